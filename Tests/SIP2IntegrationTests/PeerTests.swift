import Foundation
import SIP2
import SIP2Client
import Testing

/// Shared peers, started once per test process. Tests that change loans use their own B* items.
enum SharedPeers {
    static let invenio: Result<Peer, Error> = Result { try Peer(.invenio) }
    static let pysip2: Result<Peer, Error> = Result { try Peer(.pysip2) }
    static func peer(_ k: PeerKind) async throws -> Peer { try await offPool { try (k == .invenio ? invenio : pysip2).get() } }
}

func uniqueItem(_ tag: String) -> String { "B\(tag)-\(UInt32.random(in: 0...UInt32.max))" }

extension SIP2PeerSuites {
    /// Acceptance cases marked I and P, against invenio-sip2 1.0.0 and pysip2 0.1.0.
    @Suite
    struct PeerTests {
        func client(_ k: PeerKind, log: FrameLog? = nil, errorDetection: Bool = true) async throws -> SIP2Client {
            SIP2Client(try await SharedPeers.peer(k).configuration(errorDetection: errorDetection), trace: log?.trace)
        }

        @Test("A1 A3 A6 login first, then 99; 98 parsed", arguments: PeerKind.allCases)
        func loginAndStatus(_ k: PeerKind) async throws {
            let log = FrameLog()
            let c = try await client(k, log: log)
            try await c.connect()
            #expect(log.sent.first == "9300CNsc_user|COsc_pass|CPDEMO|AY0AZF3A0\r")
            #expect(log.sent.dropFirst().first == "9900302.00AY1AZFCA5\r")
            #expect(log.received.first?.hasPrefix("941") == true)
            let s = try #require(await c.acsStatus)
            #expect(s.online && s.checkoutOK && s.checkinOK)
            #expect(s.institution == "DEMO" && s.libraryName == "Demo Library")
            #expect(s.supports(.checkout) && s.supports(.itemInformation))
            if k == .invenio {
                #expect(log.received.dropFirst().first?.hasPrefix("98YYYYYY 10 10") == true)  // A4: space padded
                #expect(s.timeoutTenths == 10 && s.retriesAllowed == 10)
            } else {
                #expect(s.timeoutTenths == 30 && s.retriesAllowed == 3)
            }
            await c.disconnect()
        }

        @Test("A2 login refused: no further traffic, back off", arguments: PeerKind.allCases)
        func loginRefused(_ k: PeerKind) async throws {
            var cfg = try await SharedPeers.peer(k).configuration()
            cfg.password = "wrong"
            cfg.reconnectBackoff = .seconds(30)
            let log = FrameLog()
            let c = SIP2Client(cfg, trace: log.trace)
            await #expect(throws: SIP2ClientError.loginRefused(user: "sc_user")) { try await c.connect() }
            #expect(log.sent.count == 1 && log.received.first?.hasPrefix("940") == true)
            do { try await c.connect(); Issue.record("connected with a wrong password") } catch {
                guard case .backingOff = error else { Issue.record("expected backingOff, got \(error)"); return }
            }
            #expect(log.sent.count == 1)
        }

        @Test("B1 B2 sequence 0...9 then 0, echoed; new connection restarts at 0", arguments: PeerKind.allCases)
        func sequenceNumbers(_ k: PeerKind) async throws {
            let log = FrameLog()
            let c = try await client(k, log: log)
            for _ in 0..<10 { _ = try await c.itemInformation("I0001") }
            let seqs = log.sent.map { s -> Int in Int(String(s[s.range(of: "AY")!.upperBound])) ?? -1 }
            #expect(seqs == [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 0, 1])
            for (s, r) in zip(log.sent, log.received) {
                #expect(s.hasSuffix("\r") && s.range(of: #"AY\dAZ[0-9A-F]{4}\r$"#, options: .regularExpression) != nil)
                let sa = s[s.range(of: "AY")!.upperBound], ra = r[r.range(of: "AY")!.upperBound]
                #expect(sa == ra)
            }
            await c.disconnect()
            _ = try await c.itemInformation("I0001")
            #expect(log.sent.suffix(3).first?.hasPrefix("93") == true && log.sent.suffix(3).first?.contains("AY0AZ") == true)
        }

        @Test("B9 error detection off", arguments: PeerKind.allCases)
        func errorDetectionOff(_ k: PeerKind) async throws {
            let peer = k == .invenio ? try await offPool { try Peer(.invenio, errorDetection: false) } : try await SharedPeers.peer(k)
            let log = FrameLog()
            let c = SIP2Client(peer.configuration(errorDetection: false), trace: log.trace)
            let info = try await c.itemInformation("I0001")
            #expect(info.title == "The Hobbit")
            #expect(log.sent.allSatisfy { !$0.contains("AY") && !$0.contains("AZ") })
            #expect(log.received.allSatisfy { !$0.contains("AZ") })
            await c.disconnect()
        }

        @Test("C1 C2 C3 C7 patron status and information", arguments: PeerKind.allCases)
        func patrons(_ k: PeerKind) async throws {
            let c = try await client(k)
            let alice = try await c.patronStatus("P0001", pin: "1234")
            #expect(alice.validPatron == true && alice.name == "Alice Example")
            #expect(alice.status.set.isEmpty)
            // invenio's 24 carries no CQ; 63/64 does everywhere, so the PIN check uses 63.
            #expect(try await c.patronInformation("P0001", pin: "1234").validPassword == true)
            let wrong = try await c.patronInformation("P0001", pin: "9999")
            #expect(wrong.validPassword == false)
            let unknown = try await c.patronStatus("NOBODY", pin: "1")
            #expect(unknown.validPatron == false)
            let zoe = try await c.patronInformation("P0003", pin: "0000", summary: .charged)
            #expect(zoe.name.precomposedStringWithCanonicalMapping == "Zoë Ångström")
            #expect(zoe.validPassword == true)
            #expect(zoe.chargedItems.contains("I0003"))  // C5: the requested list
            await c.disconnect()
        }

        @Test("C4 blocked patron is refused before and at checkout", arguments: PeerKind.allCases)
        func blockedPatron(_ k: PeerKind) async throws {
            let c = try await client(k)
            let bob = try await c.patronStatus("P0002", pin: "1234")
            #expect(bob.status.has(.chargePrivilegesDenied) && bob.status.has(.excessiveFines) && bob.status.blocksCheckout)
            let r = try await c.checkout(c.makeCheckout(patron: "P0002", item: uniqueItem("c4")))
            guard case .answered(let co) = r else { Issue.record("\(r)"); return }
            #expect(!co.ok && co.screenMessages.first?.contains("blocked") == true)
            await c.disconnect()
        }

        @Test("C6 end session", arguments: PeerKind.allCases)
        func endSession(_ k: PeerKind) async throws {
            let c = try await client(k)
            let e = try await c.endSession("P0001")
            #expect(e.ended)
            await c.disconnect()
        }

        @Test("D1 D2 D6 checkout, renewal, checkin", arguments: PeerKind.allCases)
        func checkoutRenewCheckin(_ k: PeerKind) async throws {
            let peer = try await SharedPeers.peer(k)
            let c = try await client(k)
            let item = uniqueItem("d1")
            guard case .answered(let first) = try await c.checkout(c.makeCheckout(patron: "P0001", item: item)) else {
                Issue.record("no answer"); return
            }
            #expect(first.ok && !first.renewal && first.desensitize == true)
            #expect(first.title == "Bulk item " + item.dropFirst())
            #expect(first.dueDate?.date != nil)
            guard case .answered(let again) = try await c.checkout(c.makeCheckout(patron: "P0001", item: item)) else {
                Issue.record("no answer"); return
            }
            #expect(again.ok && again.renewal)
            guard case .answered(let back) = try await c.checkin(c.makeCheckin(item: item)) else { Issue.record("no answer"); return }
            #expect(back.ok && back.resensitize == true)
            let st = try peer.state().items[item]
            #expect(st?["checkouts"] as? Int == 1 && st?["renewals"] as? Int == 1 && st?["checkins"] as? Int == 1)
            await c.disconnect()
        }

        @Test("D3 D8 refusals: other patron's item, lost item, unknown item checkin", arguments: PeerKind.allCases)
        func refusals(_ k: PeerKind) async throws {
            let c = try await client(k)
            guard case .answered(let other) = try await c.checkout(c.makeCheckout(patron: "P0001", item: "I0003")) else {
                Issue.record("no answer"); return
            }
            #expect(!other.ok && other.screenMessages.first?.contains("another patron") == true)
            guard case .answered(let lost) = try await c.checkout(c.makeCheckout(patron: "P0001", item: "I0004")) else {
                Issue.record("no answer"); return
            }
            #expect(!lost.ok)
            guard case .answered(let unknown) = try await c.checkin(c.makeCheckin(item: "NOSUCHITEM")) else {
                Issue.record("no answer"); return
            }
            #expect(!unknown.ok && unknown.alert)
            await c.disconnect()
        }

        @Test("D10 item information: status codes, due date, non-ASCII and Chinese titles", arguments: PeerKind.allCases)
        func itemInformation(_ k: PeerKind) async throws {
            let c = try await client(k)
            let moby = try await c.itemInformation("I0003")
            #expect(moby.circulationStatus == .charged && moby.dueDate?.date?.year == 2030)
            #expect(try await c.itemInformation("I0001").circulationStatus == .available)
            #expect(try await c.itemInformation("I0004").circulationStatus == .lost)
            #expect(try await c.itemInformation("I0002").title == "Les Misérables")
            #expect(try await c.itemInformation("I0005").title == "三体")
            #expect(try await c.itemInformation("NOSUCH").circulationStatus == .other)
            await c.disconnect()
        }

        @Test("B10 E8 strict pysip2 accepts every frame we send, incl. no-block with real dates")
        func strictPeerAcceptsOurFrames() async throws {
            let peer = try await SharedPeers.peer(.pysip2)
            let c = SIP2Client(peer.configuration())
            let item = uniqueItem("e8")
            let due = SIP2Date(year: 2031, month: 2, day: 3, hour: 23, minute: 59)
            let r = try await c.request(
                c.makeCheckout(
                    patron: "P0001", item: item, noBlock: true,
                    transactionDate: SIP2Date(year: 2025, month: 1, day: 1, hour: 11), nbDueDate: due))
            guard case .checkout(let co) = r else { Issue.record("\(r)"); return }
            #expect(co.ok && co.dueDate?.date == due)  // the peer honours the offline due date
            let ev = try peer.state().events.last { ($0["item"] as? String) == item }
            #expect(ev?["no_block"] as? String == "Y" && ev?["transaction_date"] as? String == "20250101    110000")
            _ = try await c.patronStatus("P0001")  // 23 with AC| AD| present
            await c.disconnect()
        }

        @Test("B8 no CR from the server (invenio's None for 19) times out as unknown outcome")
        func invenioNoneTimesOut() async throws {
            var cfg = try await SharedPeers.peer(.invenio).configuration()
            cfg.requestTimeout = .seconds(3); cfg.minimumRequestTimeout = .seconds(3)
            let c = SIP2Client(cfg)
            #expect(try await c.itemStatusUpdate("I0001", properties: "x") == nil)  // BX says unsupported: not sent
            do {
                _ = try await c.request(ItemStatusUpdateRequest(date: SIP2Clock.now(), institution: "DEMO", item: "I0001", properties: "x"))
                Issue.record("expected a timeout")
            } catch {
                #expect(error.outcomeUnknown)
            }
            #expect(try await c.itemInformation("I0001").title == "The Hobbit")  // reconnects afterwards
        }

        @Test("D5 response lost after the ACS applied a checkout: 17 first, no second loan", arguments: PeerKind.allCases)
        func lostCheckoutAnswer(_ k: PeerKind) async throws {
            let peer = try await SharedPeers.peer(k)
            let proxy = try FaultServer(upstreamPort: peer.port) { req, _ in
                // Drop the first checkout's answer and cut the connection.
                req.code == "11" && req.connection == 0 ? [.forward(drop: true), .close] : [.forward(drop: false)]
            }
            defer { proxy.stop() }
            var cfg = peer.configuration()
            cfg.port = proxy.port
            let c = SIP2Client(cfg)
            let item = uniqueItem("d5")
            let outcome = try await c.checkout(c.makeCheckout(patron: "P0001", item: item))
            guard case .confirmedCharged(let info) = outcome else { Issue.record("\(outcome)"); return }
            #expect(info.isCharged)
            let st = try peer.state().items[item]
            #expect(st?["checkouts"] as? Int == 1 && (st?["renewals"] as? Int ?? 0) == 0)
            #expect(proxy.received.filter { $0.code == "11" }.count == 1)
            await c.disconnect()
        }

        @Test("A8 server restarted: reconnect, login, 99, send; no duplicate")
        func serverRestart() async throws {
            let peer = try await offPool { try Peer(.invenio) }
            let c = SIP2Client(peer.configuration())
            _ = try await c.itemInformation("I0001")
            try await offPool { try peer.restart() }
            let item = uniqueItem("a8")
            guard case .answered(let r) = try await c.checkout(c.makeCheckout(patron: "P0001", item: item)) else {
                Issue.record("no answer"); return
            }
            #expect(r.ok)
            #expect(try peer.state().items[item]?["checkouts"] as? Int == 1)
            await c.disconnect()
        }

        @Test("F4 server process dies: connection refused, backoff, later success")
        func serverDies() async throws {
            let peer = try await offPool { try Peer(.invenio) }
            var cfg = peer.configuration()
            cfg.reconnectBackoff = .milliseconds(300)
            let c = SIP2Client(cfg)
            _ = try await c.itemInformation("I0001")
            _ = try await offPool { peer.kill() }
            do { _ = try await c.itemInformation("I0001"); Issue.record("answered by a dead server") } catch {
                #expect(!error.outcomeUnknown || error == .connectionClosed(command: "17", sent: true))
            }
            do { _ = try await c.itemInformation("I0001"); Issue.record("answered by a dead server") } catch {
                guard case .backingOff = error else { if case .connectFailed = error { return }; Issue.record("\(error)"); return }
            }
            try await offPool { try peer.start() }
            // Reconnects by itself once its backoff has passed (waited on, not slept out).
            let deadline = ContinuousClock.now + .seconds(30)
            var title: String?
            while title == nil && ContinuousClock.now < deadline {
                do { title = try await c.itemInformation("I0001").title } catch {
                    guard case .backingOff = error else { if case .connectFailed = error { continue }; throw error }
                    try await Task.sleep(for: .milliseconds(50))
                }
            }
            #expect(title == "The Hobbit")
            await c.disconnect()
        }

        @Test("A7 keepalive sends 99 when idle", arguments: PeerKind.allCases)
        func keepalive(_ k: PeerKind) async throws {
            var cfg = try await SharedPeers.peer(k).configuration()
            cfg.keepaliveInterval = .milliseconds(400)
            let log = FrameLog()
            let c = SIP2Client(cfg, trace: log.trace)
            try await c.connect()
            let task = Task { await c.runKeepalive() }
            // One 99 after login, then one per idle interval.
            #expect(await eventually { log.sent.filter { $0.hasPrefix("99") }.count >= 3 })
            task.cancel()
            #expect(log.sent.filter { $0.hasPrefix("93") }.count == 1)
            await c.disconnect()
        }
    }
}

extension SIP2PeerSuites {
    /// A9: TLS through Debian's stunnel4 in front of the invenio peer (the reference's rig).
    @Suite
    struct TLSTests {
        @Test("A9 TLS: works with the right CA and name, refuses a wrong CA or hostname")
        func tls() async throws {
            let peer = try await SharedPeers.peer(.invenio)
            let pki = try await offPool { try TestPKI.make() }
            let proxy = try await offPool { try Stunnel(certificate: pki.cert, key: pki.key, upstreamPort: peer.port) }
            defer { proxy.stop() }
            func client(ca: String, name: String) -> SIP2Client {
                var cfg = peer.configuration()
                cfg.port = proxy.port
                cfg.tls = .init(caFile: ca, serverName: name)
                cfg.reconnectBackoff = .milliseconds(1)
                return SIP2Client(cfg)
            }
            let good = client(ca: pki.ca, name: "localhost")
            #expect(try await good.itemInformation("I0002").title == "Les Misérables")
            await good.disconnect()
            for (ca, name) in [(pki.otherCA, "localhost"), (pki.ca, "wrong.example.org")] {
                do { _ = try await client(ca: ca, name: name).itemInformation("I0001"); Issue.record("TLS accepted \(ca) / \(name)") } catch
                {
                    guard case .tlsFailed = error else { Issue.record("expected tlsFailed, got \(error)"); continue }
                }
            }
        }
    }
}
