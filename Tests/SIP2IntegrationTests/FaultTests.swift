import Foundation
import SIP2
import SIP2Client
import SIP2Sync
import Testing

/// Acceptance cases marked F (and Koha-style CRLF) against the project's own fault-injecting server.
@Suite struct FaultTests {
    func client(_ s: FaultServer, log: FrameLog? = nil, timeout: Duration = .seconds(2), maxFrame: Int = 65_536) -> SIP2Client {
        SIP2Client(
            SIP2ClientConfiguration(
                host: "127.0.0.1", port: s.port, login: "sc_user", password: "sc_pass", institution: "DEMO",
                requestTimeout: timeout, minimumRequestTimeout: timeout, reconnectBackoff: .milliseconds(20),
                maxFrameBytes: maxFrame), trace: log?.trace)
    }

    @Test("B3 96 from the ACS: same frame (same AY) resent at most min(retries, 3) times, then give up")
    func resendLoopIsCapped() async throws {
        let s = try FaultServer { req, _ in
            req.code == "17" ? [.bytes(FaultServer.frame("96", to: nil))] : [.bytes(FaultServer.standard(req))]
        }
        defer { s.stop() }
        let c = client(s)
        await #expect(throws: SIP2ClientError.resendLimit(command: "17", resends: 3)) { _ = try await c.itemInformation("B1") }
        let sent = s.received.filter { $0.code == "17" }.map(\.frame)
        #expect(sent.count == 4 && Set(sent).count == 1)

        // The ACS allows only one retry ("001" in 98): one resend.
        let s1 = try FaultServer { req, _ in
            req.code == "17" ? [.bytes(FaultServer.frame("96", to: nil))] : [.bytes(FaultServer.standard(req, acs: "98YYYYYY999001"))]
        }
        defer { s1.stop() }
        await #expect(throws: SIP2ClientError.resendLimit(command: "17", resends: 1)) { _ = try await client(s1).itemInformation("B1") }
        #expect(s1.received.filter { $0.code == "17" }.count == 2)
    }

    @Test("B3 a 96 once, then the answer")
    func singleResend() async throws {
        let s = try FaultServer { req, _ in
            req.code == "17" && req.index == 2 ? [.bytes(FaultServer.frame("96", to: nil))] : [.bytes(FaultServer.standard(req))]
        }
        defer { s.stop() }
        #expect(try await client(s).itemInformation("B7").title == "Title B7")
    }

    @Test("B4 bad AZ: 97 (no AY), resent answer accepted even with another AY")
    func badChecksumThen97() async throws {
        let s = try FaultServer { req, _ in
            switch req.code {
            case "17": return [.bytes(FaultServer.frame("1803020120251121    120000ABB1|AJFirst|", to: req, badChecksum: true))]
            case "97": return [.bytes(FaultServer.frame("1803020120251121    120000ABB1|AJFirst|", to: nil, sequence: .some(5)))]  // Evergreen rebuilds AY
            default: return [.bytes(FaultServer.standard(req))]
            }
        }
        defer { s.stop() }
        let log = FrameLog()
        #expect(try await client(s, log: log).itemInformation("B1").title == "First")
        #expect(log.sent.contains("97AZFEF5\r"))
    }

    @Test("B4 invenio-style resend without CR: timeout, outcome unknown, no hang")
    func resendWithoutCR() async throws {
        let s = try FaultServer { req, _ in
            switch req.code {
            case "11": return [.bytes(FaultServer.frame("121NNY20251121    120000AODEMO|AAP|ABB1|AJT|AH|", to: req, badChecksum: true))]
            case "97": return [.bytes(Array("121NNY20251121    120000AODEMO|AAP|ABB1|AJT|AH|AY2AZ1234".utf8))]
            default: return [.bytes(FaultServer.standard(req))]
            }
        }
        defer { s.stop() }
        let c = client(s, timeout: .seconds(1))
        do { _ = try await c.request(c.makeCheckout(patron: "P", item: "B1")); Issue.record("accepted a frame without CR") } catch {
            #expect(error.outcomeUnknown)
        }
    }

    @Test("B5 three-digit AZ (invenio) accepted")
    func shortChecksum() async throws {
        let s = try FaultServer { req, _ in
            guard req.code == "17" else { return [.bytes(FaultServer.standard(req))] }
            // Find a title whose checksum is below 0x1000, then print it invenio's way (no leading zero).
            for n in 0..<2000 {
                let pad = String(repeating: "z", count: n)
                var body = Array("1803020120251121    120000ABB1|AJT|AF\(pad)|AY\(req.sequence!)AZ".utf8)
                let cks = SIP2Checksum.compute(body)
                if cks < 0x1000 {
                    body += Array(String(cks, radix: 16, uppercase: true).utf8) + [0x0D]
                    return [.bytes(body)]
                }
            }
            return []
        }
        defer { s.stop() }
        let log = FrameLog()
        let info = try await client(s, log: log).itemInformation("B1")
        #expect(info.title.hasPrefix("T"))
        #expect(log.received.last?.range(of: #"AZ[0-9A-F]{3}$"#, options: .regularExpression) != nil)
    }

    @Test("B6 Koha-style CRLF on every answer, LF arriving with the next frame")
    func crlf() async throws {
        let state = FaultServer.ItemState()
        let s = try FaultServer { req, _ in
            let f = FaultServer.standard(req, crlf: true, state: state)
            // Send the answer up to its CR, then the LF a moment later (it reads as the next frame's start).
            return [.bytes(Array(f.dropLast())), .pause(milliseconds: 5), .bytes([0x0A])]
        }
        defer { s.stop() }
        let c = client(s)
        for i in 0..<5 {
            guard case .answered(let r) = try await c.checkout(c.makeCheckout(patron: "P", item: "B\(i)")) else {
                Issue.record("lost"); return
            }
            #expect(r.ok && r.title == "Title B\(i)")
        }
        #expect(state.totals.checkouts == 5 && state.totals.renewals == 0)
    }

    @Test("B7 answers split into 1-byte reads and coalesced with a stray frame")
    func splitAndCoalesced() async throws {
        let s = try FaultServer { req, _ in
            let f = FaultServer.standard(req)
            if req.code == "17" {
                return f.flatMap { [.bytes([$0]), .pause(milliseconds: 1)] }
            }
            return [.bytes(f)]
        }
        defer { s.stop() }
        #expect(try await client(s).itemInformation("B9").title == "Title B9")
    }

    @Test("F1 NUL and invalid UTF-8 in an answer: replacement characters, no crash")
    func garbageBytes() async throws {
        let s = try FaultServer { req, _ in
            guard req.code == "17" else { return [.bytes(FaultServer.standard(req))] }
            var body = Array("1803020120251121    120000ABB1|AJ".utf8) + [0x00, 0xFF, 0xFE, 0xC3] + Array("|AY\(req.sequence!)AZ".utf8)
            body += SIP2Checksum.hex(SIP2Checksum.compute(body)) + [0x0D]
            return [.bytes(body)]
        }
        defer { s.stop() }
        let info = try await client(s).itemInformation("B1")
        #expect(info.title == "\u{0}\u{FFFD}\u{FFFD}\u{FFFD}")
    }

    @Test("F2 oversized answers: 12 KB list parsed whole; 200 KB cut at the limit with fixed fields intact")
    func oversized() async throws {
        let s = try FaultServer { req, _ in
            guard req.code == "23" else { return [.bytes(FaultServer.standard(req))] }
            let n = req.connection == 0 ? 1000 : 20_000
            let list = (0..<n).map { "AFmessage \($0)|" }.joined()
            return [.bytes(FaultServer.frame("24              001\(FaultServer.date)AODEMO|AAP|AEName|BLY|" + list, to: req))]
        }
        defer { s.stop() }
        let c = client(s)
        let big = try await c.patronStatus("P")
        #expect(big.screenMessages.count == 1000 && big.validPatron == true)
        await c.disconnect()
        let huge = try await client(s, maxFrame: 16_384).patronStatus("P")
        #expect(huge.validPatron == true && huge.name == "Name")
        #expect(huge.raw.truncated && huge.screenMessages.count < 20_000 && huge.screenMessages.allSatisfy { $0.hasPrefix("message ") })
    }

    @Test("F3 unsolicited and extra frames are discarded; the right answer is used")
    func unsolicited() async throws {
        let s = try FaultServer { req, _ in
            guard req.code == "17" else { return [.bytes(FaultServer.standard(req))] }
            // A stray 94, an answer with a wrong AY, garbage, then the real answer, all in one write;
            // then an extra unsolicited frame after it.
            let stray = FaultServer.frame("941", to: nil, sequence: .some(3))
            let wrongSeq = FaultServer.frame("1803020120251121    120000ABB1|AJWrong|", to: req, sequence: .some((req.sequence! + 5) % 10))
            let right = FaultServer.frame("1803020120251121    120000ABB1|AJRight|", to: req)
            return [
                .bytes(stray + wrongSeq + Array("garbage\r".utf8) + right),
                .bytes(FaultServer.frame("36Y\(FaultServer.date)AODEMO|AAX|", to: nil)),
            ]
        }
        defer { s.stop() }
        let c = client(s)
        #expect(try await c.itemInformation("B1").title == "Right")
        #expect(try await c.itemInformation("B1").title == "Right")  // the extra 36 was dropped before this request
    }

    @Test("F5 slow server: a late answer is never taken for the next request's")
    func slowServer() async throws {
        let s = try FaultServer { req, _ in
            guard req.code == "17" else { return [.bytes(FaultServer.standard(req))] }
            let item = req.message?["AB"] ?? ""
            if item == "SLOW" {
                return [.pause(milliseconds: 2500), .bytes(FaultServer.frame("1803020120251121    120000ABSLOW|AJLate|", to: req))]
            }
            return [.bytes(FaultServer.standard(req))]
        }
        defer { s.stop() }
        let c = client(s, timeout: .seconds(1))
        do { _ = try await c.itemInformation("SLOW"); Issue.record("expected timeout") } catch { #expect(error.outcomeUnknown) }
        let next = try await c.itemInformation("B2")
        #expect(next.item == "B2" && next.title == "Title B2")
    }

    @Test("A5 ACS off-line in 98 (flag N / timeout 000)", arguments: ["98NYYYYY999003", "98YYYYYY000003"])
    func acsOffline(_ acs: String) async throws {
        let s = try FaultServer { req, _ in [.bytes(FaultServer.standard(req, acs: acs))] }
        defer { s.stop() }
        let c = client(s)
        try await c.connect()
        #expect(await c.acsStatus?.online == false)
        #expect(await c.acsStatus?.offlineOK == true)
    }

    @Test("E1 an ACS whose 98 says off-line ok = N: the station never lends offline after it goes away")
    func offlineForbiddenByTheACS() async throws {
        // 98: on-line Y, checkin ok Y, checkout ok Y, renewal policy Y, status update Y, off-line ok N.
        let s = try FaultServer { req, _ in [.bytes(FaultServer.standard(req, acs: "98YYYYYN999003"))] }
        let (store, _) = try tempOutbox()
        let c = client(s)
        _ = await SyncService(store: store, client: c).replayRound()
        await c.disconnect()
        s.stop()
        let stored = try #require(try store.status().lastACSStatus)
        #expect(stored.online && !stored.offlineOK)
        _ = await SyncService(store: store, client: client(s)).replayRound()  // now unreachable
        #expect(try store.status().offlineSinceUnix != nil)
        let desk = OfflineDesk(store: store, policy: OfflinePolicy(enabled: true))
        #expect(
            try desk.checkout(key: "k", patron: "P1", item: "B1", nowUnix: stored.atUnix + 10, utcOffsetSeconds: 0)
                == .refused(.acsForbidsOffline))
        #expect(try store.status().backlog == 0)
    }

    @Test("A7 keepalive reconnects and logs in again when the server dropped the connection")
    func keepaliveReconnects() async throws {
        let s = try FaultServer { req, _ in
            // The first connection dies on its first keepalive.
            req.connection == 0 && req.code == "99" && req.index > 1 ? [.close] : [.bytes(FaultServer.standard(req))]
        }
        defer { s.stop() }
        var cfg = client(s).configuration
        cfg.keepaliveInterval = .milliseconds(200)
        let c = SIP2Client(cfg)
        try await c.connect()
        let task = Task { await c.runKeepalive() }
        #expect(await eventually { s.received.contains { $0.connection == 1 && $0.code == "99" } })
        task.cancel()
        #expect(s.connections >= 2)
        #expect(s.received.filter { $0.connection == 1 }.first?.code == "93")
    }

    @Test("D4 fee acknowledgement: refused with BT/BV, accepted again with BO=Y")
    func feeAcknowledgement() async throws {
        let s = try FaultServer { req, _ in
            guard req.code == "11" else { return [.bytes(FaultServer.standard(req))] }
            if req.message?["BO"] == "Y" { return [.bytes(FaultServer.standard(req))] }
            return [
                .bytes(
                    FaultServer.frame("120NUN\(FaultServer.date)AODEMO|AAP|ABB1|AJT|AH|BT06|BV2.50|BHEUR|AFRental fee 2.50 EUR|", to: req))
            ]
        }
        defer { s.stop() }
        let c = client(s)
        guard case .answered(let first) = try await c.checkout(c.makeCheckout(patron: "P", item: "B1")) else {
            Issue.record("lost"); return
        }
        #expect(!first.ok && first.feeType == "06" && first.feeAmount == "2.50")
        guard case .answered(let second) = try await c.checkout(c.makeCheckout(patron: "P", item: "B1", feeAcknowledged: true)) else {
            Issue.record("lost"); return
        }
        #expect(second.ok)
        #expect(s.received.last?.frame.contains(Array("BOY|".utf8)) == true)
    }

    @Test("D7 checkin with alert (hold / transit) is a success with instructions")
    func checkinAlert() async throws {
        let s = try FaultServer { req, _ in
            req.code == "09"
                ? [
                    .bytes(
                        FaultServer.frame("101YNY\(FaultServer.date)AODEMO|ABB1|AQMain|CV02|CTBranch 2|CL3|AFSend to Branch 2|", to: req))
                ] : [.bytes(FaultServer.standard(req))]
        }
        defer { s.stop() }
        let c = client(s)
        guard case .answered(let r) = try await c.checkin(c.makeCheckin(item: "B1")) else { Issue.record("lost"); return }
        #expect(r.ok && r.alert && r.alertType == "02" && r.destination == "Branch 2" && r.sortBin == "3")
    }

    @Test("D9 cancel: BI=Y sent on checkout and checkin")
    func cancel() async throws {
        let s = try FaultServer { req, _ in [.bytes(FaultServer.standard(req))] }
        defer { s.stop() }
        let c = client(s)
        _ = try await c.request(c.makeCheckout(patron: "P", item: "B1", cancel: true))
        _ = try await c.request(c.makeCheckin(item: "B1", cancel: true))
        let frames = s.received.filter { $0.code == "11" || $0.code == "09" }
        #expect(frames.count == 2 && frames.allSatisfy { $0.message?["BI"] == "Y" })
    }

    @Test("D5 at the fault server: lost answer → 17 → charged → not sent twice")
    func unknownOutcomeRule() async throws {
        let state = FaultServer.ItemState()
        let s = try FaultServer { req, _ in
            let answer = FaultServer.standard(req, state: state)
            return req.code == "11" && req.connection == 0 ? [.close] : [.bytes(answer)]
        }
        defer { s.stop() }
        let c = client(s)
        let r = try await c.checkout(c.makeCheckout(patron: "P", item: "B5"))
        guard case .confirmedCharged = r else { Issue.record("\(r)"); return }
        #expect(state.totals.checkouts == 1 && state.totals.renewals == 0)
        #expect(s.received.filter { $0.code == "11" }.count == 1)
    }
}
