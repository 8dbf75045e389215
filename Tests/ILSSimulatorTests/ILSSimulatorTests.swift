import ILSSimulator
import SIP2
import SIP2Client
import Testing

#if canImport(Glibc)
import Glibc
#endif

typealias Demo = SimulatedCatalog.Demo

/// A fast simulated ILS (a few ms per answer) for the behaviour tests.
func startILS(
    catalog: SimulatedCatalog = .demo, _ tweak: (inout SimulatedILS.Configuration) -> Void = { _ in }
) async throws -> SimulatedILS {
    var c = SimulatedILS.Configuration(responseDelay: .milliseconds(5), jitter: .milliseconds(3))
    tweak(&c)
    return try await SimulatedILS.start(catalog: catalog, configuration: c)
}

/// The station's client, pointed at the simulated ILS with its login.
func client(_ ils: SimulatedILS, password: String? = nil, _ tweak: (inout SIP2ClientConfiguration) -> Void = { _ in }) -> SIP2Client {
    var c = SIP2ClientConfiguration(
        host: ils.host, port: ils.port, login: ils.configuration.login, password: password ?? ils.configuration.password,
        institution: ils.configuration.institution, currentLocation: "MAIN")
    tweak(&c)
    return SIP2Client(c)
}

func checkout(_ c: SIP2Client, _ patron: String, _ item: String, pin: String? = nil, cancel: Bool? = nil) async throws -> CheckoutResponse {
    let r = await c.makeCheckout(patron: patron, item: item, patronPassword: pin, cancel: cancel)
    guard case .answered(let a) = try await c.checkout(r) else { throw TestFailure("checkout of \(item) not answered") }
    return a
}

func checkin(_ c: SIP2Client, _ item: String) async throws -> CheckinResponse {
    guard case .answered(let a) = try await c.checkin(await c.makeCheckin(item: item)) else {
        throw TestFailure("checkin of \(item) not answered")
    }
    return a
}

struct TestFailure: Error, CustomStringConvertible {
    var description: String
    init(_ d: String) { description = d }
}

/// Waits (without blocking the pool) until `condition` holds or `seconds` pass.
func eventually(within seconds: Double = 10, _ condition: () async -> Bool) async -> Bool {
    let deadline = ContinuousClock.now + .milliseconds(Int(seconds * 1000))
    while ContinuousClock.now < deadline {
        if await condition() { return true }
        try? await Task.sleep(for: .milliseconds(20))
    }
    return await condition()
}

@Suite struct ILSSimulatorTests {
    @Test func loginAndStatus() async throws {
        let ils = try await startILS { $0.offlineAllowed = false }
        let c = client(ils)
        try await c.connect()
        let s = try #require(await c.acsStatus)
        #expect(s.online && s.checkinOK && s.checkoutOK && s.renewalPolicy && s.statusUpdateOK)
        #expect(!s.offlineOK)
        #expect(s.institution == "DEMO" && s.libraryName == "RFIDGate Demo Library")
        #expect(s.protocolVersion == "2.00" && s.timeoutTenths == 100 && s.retriesAllowed == 3)
        #expect(s.supports(.checkout) && s.supports(.renew) && s.supports(.itemStatusUpdate) && !s.supports(.renewAll))
        await c.disconnect()

        let wrong = client(ils, password: "nope")
        await #expect(throws: SIP2ClientError.loginRefused(user: "sc_user")) { try await wrong.connect() }
        #expect(ils.events.contains { $0.operation == .login && !$0.ok })
        #expect(ils.events.contains { $0.operation == .login && $0.ok })
        try await ils.stop()
    }

    @Test func checkoutAccepted() async throws {
        // 2026-01-01 10:00:00 UTC, dates in UTC: the due date is exact.
        let ils = try await startILS {
            $0.unixNow = { 1_767_261_600 }
            $0.utcDates = true
        }
        let c = client(ils)
        let a = try await checkout(c, Demo.goodPatron, Demo.santi)
        #expect(a.ok && !a.renewal && a.desensitize == true && a.magneticMedia == false)
        #expect(a.title == "三体" && a.mediaType == "001" && a.item == Demo.santi && a.patron == Demo.goodPatron)
        #expect(a.dueDate?.text == "20260115   Z235959")
        let s = try #require(ils.item(Demo.santi))
        #expect(s.status == .charged(patron: Demo.goodPatron) && s.checkouts == 1 && s.renewals == 0)
        #expect(s.due?.description == "20260115   Z235959")
        let info = try await c.itemInformation(Demo.santi)
        #expect(info.isCharged && info.dueDate?.text == "20260115   Z235959")
        await c.disconnect()
        try await ils.stop()
    }

    @Test func checkoutRefusalsSayWhy() async throws {
        let ils = try await startILS()
        let c = client(ils)
        let cases: [(String, String, String?, String)] = [
            (Demo.blockedPatron, Demo.santi, nil, "Patron blocked: please see staff"),
            (Demo.goodPatron, Demo.lostItem, nil, "Item is lost"),
            (Demo.goodPatron, Demo.referenceItem, nil, "Item cannot be lent: reference only"),
            (Demo.goodPatron, Demo.holdItem, nil, "Item is on hold for another patron"),
            (Demo.pinPatron, Demo.chargedItem, nil, "Item is checked out to another patron"),
            (Demo.goodPatron, "39009999999999", nil, "Unknown item"),
            ("21009999999999", Demo.santi, nil, "Unknown patron"),
            (Demo.pinPatron, Demo.santi, "9999", "Wrong PIN"),
        ]
        for (patron, item, pin, why) in cases {
            let a = try await checkout(c, patron, item, pin: pin)
            #expect(!a.ok && a.desensitize == false && a.dueDate == nil, "\(patron) \(item)")
            #expect(a.screenMessages == [why])
        }
        #expect(ils.item(Demo.lostItem)?.refusals == 1 && ils.item(Demo.lostItem)?.status == .lost)
        #expect(ils.item(Demo.referenceItem)?.refusals == 1)
        #expect(ils.item(Demo.santi)?.checkouts == 0 && ils.item(Demo.santi)?.status == .available)
        // The right PIN lends.
        #expect(try await checkout(c, Demo.pinPatron, Demo.santi, pin: Demo.pin).ok)
        await c.disconnect()
        try await ils.stop()
    }

    @Test func checkoutOfOwnItemIsARenewal() async throws {
        let ils = try await startILS()
        let c = client(ils)
        let before = try #require(ils.item(Demo.chargedItem)?.due)
        let a = try await checkout(c, Demo.goodPatron, Demo.chargedItem)
        #expect(a.ok && a.renewal && a.title == "呐喊")
        let due = try #require(a.dueDate?.date)
        #expect(due.secondsAsUTC > before.secondsAsUTC)
        let r = try await c.renew(patron: Demo.goodPatron, item: Demo.chargedItem)
        #expect(r.ok && r.renewal && (r.dueDate?.date?.secondsAsUTC ?? 0) > due.secondsAsUTC)
        let s = try #require(ils.item(Demo.chargedItem))
        #expect(s.renewals == 2 && s.checkouts == 0 && s.patron == Demo.goodPatron)
        // Someone else cannot renew it.
        let other = try await c.renew(patron: Demo.pinPatron, item: Demo.chargedItem)
        #expect(!other.ok && other.screenMessages == ["Item is not checked out to you"])
        await c.disconnect()
        try await ils.stop()
    }

    @Test func cancelUndoesTheLoanAndIsNoRenewal() async throws {
        let ils = try await startILS()
        let c = client(ils)
        #expect(try await checkout(c, Demo.goodPatron, Demo.huozhe).ok)
        let undo = try await checkout(c, Demo.goodPatron, Demo.huozhe, cancel: true)
        #expect(undo.ok && !undo.renewal && undo.desensitize == false)
        let s = try #require(ils.item(Demo.huozhe))
        #expect(s.status == .available && s.due == nil && s.cancels == 1 && s.renewals == 0 && s.checkouts == 1)
        let e = try #require(ils.events.last)
        #expect(e.operation == .checkout && e.cancel && !e.renewal && e.ok)

        // Nothing to cancel: refused with the ILS's words.
        let none = try await checkout(c, Demo.goodPatron, Demo.huozhe, cancel: true)
        #expect(!none.ok && none.screenMessages == ["Cannot cancel: item is not checked out to this patron"])
        #expect(ils.item(Demo.huozhe)?.cancels == 1)

        // Cancelling a renewal puts the old loan back, it does not end it.
        let due = ils.item(Demo.chargedItem)?.due
        #expect(try await checkout(c, Demo.goodPatron, Demo.chargedItem).renewal)
        #expect(try await checkout(c, Demo.goodPatron, Demo.chargedItem, cancel: true).ok)
        let charged = try #require(ils.item(Demo.chargedItem))
        #expect(charged.patron == Demo.goodPatron && charged.due == due && charged.cancels == 1)

        // Cancelling the hold patron's loan of his hold puts the hold back.
        #expect(try await checkout(c, Demo.holdPatron, Demo.holdItem).ok)
        #expect(try await c.patronInformation(Demo.holdPatron).holdItems.isEmpty)
        #expect(try await checkout(c, Demo.holdPatron, Demo.holdItem, cancel: true).ok)
        #expect(ils.item(Demo.holdItem)?.holdFor == Demo.holdPatron)
        #expect(try await c.patronInformation(Demo.holdPatron).holdItems == [Demo.holdItem])
        await c.disconnect()
        try await ils.stop()
    }

    @Test func noBlockCheckoutForABlockedPatron() async throws {
        let ils = try await startILS()
        let c = client(ils)
        let when = SIP2Date(year: 2025, month: 3, day: 1, hour: 9, minute: 30)
        let told = SIP2Date(year: 2025, month: 3, day: 15, hour: 23, minute: 59, second: 59)
        let r = await c.makeCheckout(patron: Demo.blockedPatron, item: Demo.santi, noBlock: true, transactionDate: when, nbDueDate: told)
        guard case .answered(let a) = try await c.checkout(r) else { throw TestFailure("not answered") }
        #expect(a.ok && a.dueDate?.date == told)
        let e = try #require(ils.events.last { $0.operation == .checkout })
        #expect(e.ok && e.noBlock && e.transactionDate == when && e.patron == Demo.blockedPatron)
        #expect(ils.item(Demo.santi)?.patron == Demo.blockedPatron)
        // Without no block the same patron is refused.
        #expect(try await checkout(c, Demo.blockedPatron, Demo.huozhe).ok == false)
        // Reference-only stays refused even with no block.
        let ref = await c.makeCheckout(patron: Demo.blockedPatron, item: Demo.referenceItem, noBlock: true)
        guard case .answered(let refused) = try await c.checkout(ref) else { throw TestFailure("not answered") }
        #expect(!refused.ok)
        await c.disconnect()
        try await ils.stop()
    }

    @Test func checkinRouting() async throws {
        let ils = try await startILS()
        let c = client(ils)
        // Held for a patron: to the hold shelf.
        let hold = try await checkin(c, Demo.holdItem)
        #expect(hold.ok && hold.alert && hold.alertType == "01" && hold.screenMessages.contains("Put on the hold shelf"))
        #expect(hold.destination == "Hold shelf" && hold.resensitize == true)
        #expect(ils.item(Demo.holdItem)?.holdFor == Demo.holdPatron)

        // Another branch's item, lent here and returned here: sent home.
        #expect(try await checkout(c, Demo.goodPatron, Demo.otherBranchItem).ok)
        let away = try await checkin(c, Demo.otherBranchItem)
        #expect(away.ok && away.alert && away.alertType == "04" && away.destination == "EAST" && away.sortBin == "TRANSIT-EAST")
        #expect(away.permanentLocation == "EAST" && away.patron == Demo.goodPatron && away.title == "骆驼祥子")
        #expect(ils.item(Demo.otherBranchItem)?.status == .available && ils.item(Demo.otherBranchItem)?.checkins == 1)

        // A loan returned: back on the shelf, quietly.
        let back = try await checkin(c, Demo.chargedItem)
        #expect(back.ok && !back.alert && back.resensitize == true && back.patron == Demo.goodPatron && back.screenMessages.isEmpty)
        #expect(ils.item(Demo.chargedItem)?.status == .available)

        // Not on loan.
        let idle = try await checkin(c, Demo.santi)
        #expect(idle.ok && !idle.alert && idle.magneticMedia == false && idle.screenMessages == ["Item was not checked out"])

        // Unknown.
        let unknown = try await checkin(c, "39009999999999")
        #expect(!unknown.ok && unknown.alert && unknown.screenMessages == ["Unknown item"])

        // A lost item comes back: found.
        #expect(try await checkin(c, Demo.lostItem).ok)
        #expect(ils.item(Demo.lostItem)?.status == .available)
        await c.disconnect()
        try await ils.stop()
    }

    @Test func patronInformation() async throws {
        let ils = try await startILS()
        let c = client(ils)
        let hold = try await c.patronInformation(Demo.holdPatron)
        #expect(hold.validPatron == true && hold.name == "Dana Holds" && hold.holdItems == [Demo.holdItem] && hold.counts[0] == 1)
        #expect(hold.raw["BV"] == "3.50" && hold.raw["BH"] == "CNY" && !hold.status.blocksCheckout)

        let good = try await c.patronInformation(Demo.goodPatron)
        #expect(good.chargedItems == [Demo.chargedItem] && good.counts[2] == 1 && good.holdItems.isEmpty && good.counts[0] == 0)
        let onlyHolds = try await c.patronInformation(Demo.goodPatron, summary: .holds)
        #expect(onlyHolds.chargedItems.isEmpty)

        let blocked = try await c.patronInformation(Demo.blockedPatron)
        #expect(blocked.status.has(.chargePrivilegesDenied) && blocked.status.has(.excessiveFines) && blocked.status.blocksCheckout)
        #expect(blocked.screenMessages.contains("Patron blocked: please see staff") && blocked.raw["BV"] == "25.00")

        #expect(try await c.patronInformation(Demo.pinPatron, pin: "1234").validPassword == true)
        #expect(try await c.patronInformation(Demo.pinPatron, pin: "4321").validPassword == false)
        #expect(try await c.patronInformation(Demo.pinPatron).validPassword == nil)

        let nobody = try await c.patronInformation("21009999999999")
        #expect(nobody.validPatron == false && nobody.screenMessages == ["Unknown patron"])

        let status = try await c.patronStatus(Demo.blockedPatron)
        #expect(status.status.has(.chargePrivilegesDenied) && status.validPatron == true)
        await c.disconnect()
        try await ils.stop()
    }

    @Test func chineseTextRoundTrips() async throws {
        let ils = try await startILS()
        let c = client(ils)
        let p = try await c.patronInformation(Demo.chinesePatron)
        #expect(p.name == "王芳" && p.language == "019")
        let set = try await c.itemInformation(Demo.multiPartItem)
        #expect(set.title == "红楼梦 第1册/第2册/第3册" && set.properties == "3 parts" && set.circulationStatus == .available)
        let a = try await checkout(c, Demo.chinesePatron, Demo.multiPartItem)
        #expect(a.ok && a.title == "红楼梦 第1册/第2册/第3册")
        #expect(try await c.itemInformation(Demo.audioCD).mediaType == "006")
        #expect(try await c.itemInformation(Demo.lostItem).circulationStatus == .lost)
        #expect(try await c.itemInformation(Demo.holdItem).circulationStatus == .waitingOnHoldShelf)
        #expect(try await c.itemInformation(Demo.referenceItem).circulationStatus == .other)
        await c.disconnect()
        try await ils.stop()
    }

    @Test func connectionsAreServedConcurrently() async throws {
        let patrons = (0..<3).map { SimulatedPatron(id: "P\($0)", name: "Patron \($0)") }
        let items = (0..<30).map { SimulatedItem(id: "I\($0)", title: "书 \($0)") }
        let ils = try await startILS(catalog: SimulatedCatalog(patrons: patrons, items: items)) {
            $0.responseDelay = .milliseconds(300)
            $0.jitter = .zero
        }
        let clients = (0..<3).map { _ in client(ils) }
        for c in clients { try await c.connect() }
        let results = try await withThrowingTaskGroup(of: [Bool].self) { group in
            for (n, c) in clients.enumerated() {
                group.addTask {
                    var oks: [Bool] = []
                    for i in 0..<10 { oks.append(try await checkout(c, "P\(n)", "I\(n * 10 + i)").ok) }
                    return oks
                }
            }
            return try await group.reduce(into: []) { $0 += $1 }
        }
        #expect(results.count == 30 && results.allSatisfy { $0 })
        let loans = ils.events.filter { $0.operation == .checkout }
        #expect(loans.count == 30)
        // Each connection in order, one at a time.
        for conn in Set(loans.map(\.connection)) {
            let mine = loans.filter { $0.connection == conn }
            #expect(mine.count == 10)
            for (a, b) in zip(mine, mine.dropFirst()) { #expect(a.answered <= b.received) }
        }
        // Across connections, requests overlap: the server's own record spans far less than serial time.
        let overlapping = loans.contains { a in
            loans.contains { b in a.connection != b.connection && a.received < b.answered && b.received < a.answered }
        }
        #expect(overlapping)
        let span = try #require(loans.map(\.answered).max()) - (try #require(loans.map(\.received).min()))
        #expect(span < .milliseconds(30 * 300))
        for c in clients { await c.disconnect() }
        try await ils.stop()
    }

    @Test func unreachableILSFailsRequestsThenServesAgain() async throws {
        let ils = try await startILS()
        let c = client(ils) {
            $0.reconnectBackoff = .milliseconds(20)
            $0.maxReconnectBackoff = .milliseconds(100)
        }
        #expect(try await c.itemInformation(Demo.santi).title == "三体")
        #expect(ils.openConnections == 1)
        ils.setReachable(false)
        #expect(!ils.isReachable)
        #expect(await eventually { ils.openConnections == 0 })
        await #expect(throws: SIP2ClientError.self) { try await c.itemInformation(Demo.santi) }
        await #expect(throws: SIP2ClientError.self) { try await c.itemInformation(Demo.santi) }
        #expect(ils.events.contains { $0.operation == .refusedConnection })

        ils.setReachable(true)
        let back = await eventually {
            (try? await c.itemInformation(Demo.santi).title) == "三体"
        }
        #expect(back)
        await c.disconnect()
        try await ils.stop()
    }

    @Test func malformedFramesGet96UnknownOnesNothing() async throws {
        let ils = try await startILS()
        let s = try RawSocket(port: ils.port)
        defer { s.close() }
        // A bad checksum: 96.
        s.send("9300CNsc_user|COsc_pass|AY0AZ0000\r")
        #expect(s.readFrame()?.hasPrefix("96") == true)
        // A good login, then an unknown message (not answered), then 99 in the same write: the 98 comes next.
        let encoder = SIP2Encoder()
        let login = try encoder.encode(LoginRequest(user: "sc_user", password: "sc_pass").message, sequence: 1)
        s.send(String(decoding: login, as: UTF8.self))
        #expect(s.readFrame()?.hasPrefix("941AY1") == true)
        let status = try encoder.encode(SCStatusRequest().message, sequence: 2)
        s.send("2500120250101    093000AOX|AA1|AY3AZ0000\r" + String(decoding: status, as: UTF8.self))
        let answer = try #require(s.readFrame())
        #expect(answer.hasPrefix("98YYYYYY"))
        // 97: the same answer again.
        s.send(String(decoding: try encoder.encode(RequestACSResend.message, sequence: 0), as: UTF8.self))
        #expect(s.readFrame() == answer)
        #expect(ils.events.contains { $0.operation == .unsupported && $0.code == "25" })
        #expect(ils.events.contains { $0.operation == .requestedResend })
        #expect(ils.events.contains { $0.operation == .resendLast })
        try await ils.stop()
    }

    @Test func requestsBeforeLoginCloseTheConnection() async throws {
        let ils = try await startILS()
        let s = try RawSocket(port: ils.port)
        defer { s.close() }
        let item = try SIP2Encoder().encode(
            ItemInformationRequest(date: SIP2Date(year: 2025, month: 1, day: 1), institution: "DEMO", item: Demo.santi).message, sequence: 0
        )
        s.send(String(decoding: item, as: UTF8.self))
        #expect(s.readFrame() == nil)  // closed, no answer
        #expect(ils.events.contains { $0.operation == .notLoggedIn })
        try await ils.stop()
    }
}

/// A blocking loopback socket for the wire-level cases (bad checksums, unknown codes) the client
/// never sends. Reads time out after 5 s.
final class RawSocket: Sendable {
    let fd: Int32

    init(port: Int) throws {
        fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        var addr = sockaddr_in()
        addr.sin_family = sa_family_t(AF_INET)
        addr.sin_addr.s_addr = inet_addr("127.0.0.1")
        addr.sin_port = UInt16(port).bigEndian
        let ok = withUnsafePointer(to: &addr) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        guard ok == 0 else { Glibc.close(fd); throw TestFailure("cannot connect to 127.0.0.1:\(port)") }
        var tv = timeval(tv_sec: 5, tv_usec: 0)
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, socklen_t(MemoryLayout<timeval>.size))
    }

    func send(_ s: String) {
        let b = Array(s.utf8)
        _ = b.withUnsafeBytes { write(fd, $0.baseAddress, $0.count) }
    }

    /// One frame up to CR (without it), nil on close or timeout.
    func readFrame() -> String? {
        var out: [UInt8] = []
        var c: UInt8 = 0
        while read(fd, &c, 1) == 1 {
            if c == 0x0D { return String(decoding: out, as: UTF8.self) }
            out.append(c)
        }
        return nil
    }

    func close() { Glibc.close(fd) }
}
