import Circulation
import CirculationModel
import Foundation
import ISO28560
import ReaderEmulators
import Testing

#if canImport(Glibc)
import Glibc
#endif

/// Emulated tags exactly as the station simulation builds them: ISO 28560-3 memory padded to
/// 112 bytes, DSFID 0x00, AFI 0x07 in the library (secured), 0xC2 on loan (unsecured).
enum StationTags {
    static let secured: UInt8 = 0x07
    static let unsecured: UInt8 = 0xC2

    static func tag(uid: UInt64, pii: String, set: String? = nil, usage: UInt8 = 0x10, afi: UInt8) throws -> EmulatedTag {
        let memory = try Part3.encode(ItemRecord(primaryItemIdentifier: pii, setInformation: set, typeOfUsage: usage))
        return EmulatedTag(uid: uid, dsfid: 0x00, afi: afi, memory: memory + [UInt8](repeating: 0, count: 112 - min(112, memory.count)))
    }

    /// A patron card (type of usage 0x81, adult): its primary item identifier is the patron id.
    static func card(uid: UInt64, patron: String) throws -> EmulatedTag { try tag(uid: uid, pii: patron, usage: 0x81, afi: unsecured) }
}

/// SplitMix64: the kill points are reproducible from the seed printed with the result.
struct SeededRandom: RandomNumberGenerator {
    var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}

/// `rfidgated` in the station role, as a child process whose stdout and stderr go to a file.
enum StationDaemon {
    static func start(config: String, log: String) throws -> Process {
        _ = FileManager.default.createFile(atPath: log, contents: nil)
        let h = try FileHandle(forWritingTo: URL(fileURLWithPath: log))
        defer { try? h.close() }
        let p = Process()
        p.executableURL = URL(fileURLWithPath: try #require(DaemonBinary.path, "rfidgated not built"))
        p.arguments = ["--config", config]
        // Plain log lines on stderr (not the journal) and no systemd notifications, even when
        // the tests themselves run under systemd.
        var env = ProcessInfo.processInfo.environment
        for k in ["JOURNAL_STREAM", "NOTIFY_SOCKET", "WATCHDOG_USEC", "WATCHDOG_PID"] { env[k] = nil }
        p.environment = env
        p.standardOutput = h
        p.standardError = h
        try p.run()
        return p
    }

    /// A station configuration: the store at `db`, the peer ILS, one feig-tcp pad reader.
    static func config(path: String, db: String, peerPort: Int, padPort: UInt16, autopilot: Bool) throws {
        let pilot =
            autopilot
            ? """
            [station.autopilot]
            checkout_with_card = true
            return_after_s = 1

            """ : ""
        try """
        role = "station"

        [cache]
        path = "\(db)"

        [sip2]
        server = "127.0.0.1:\(peerPort)"
        login = "sc_user"
        password = "sc_pass"
        institution = "DEMO"

        [station]
        id = "kill-test"

        \(pilot)
        [[readers]]
        id = "pad-1"
        driver = "feig-tcp"
        host = "127.0.0.1"
        port = \(padPort)
        antennas = [1]
        """.write(toFile: path, atomically: true, encoding: .utf8)
    }

    /// SIGTERM, then waits up to `seconds` for the exit (SIGKILL after that). True when it
    /// exited by itself.
    static func stop(_ p: Process, within seconds: Double = 15) -> Bool {
        guard p.isRunning else { return true }
        kill(p.processIdentifier, SIGTERM)
        let deadline = Date().addingTimeInterval(seconds)
        while p.isRunning && Date() < deadline { usleep(20_000) }
        if p.isRunning {
            kill(p.processIdentifier, SIGKILL)
            p.waitUntilExit()
            return false
        }
        p.waitUntilExit()
        return true
    }
}

extension SIP2PeerSuites {
    /// The station's kill -9 test: `rfidgated` in the station role works a stack on a pad that
    /// outlives it (an emulated FEIG reader on TCP, in this process), alternately a patron's
    /// checkout (card + 10 items, autopilot) and an unattended return (the items alone), and is
    /// SIGKILLed at a random point of each run: before, during (timed on the journal: a row in
    /// `ils-sent`, `accepted` or `tag-writing`) and after the work. A restart without the
    /// autopilot only reconciles the journal; then every item must be either charged at the ILS
    /// with its tag unsecured, or not charged with its tag secured: no mixed item, ever.
    @Suite
    struct StationKillTests {
        static let rounds = 22
        static let items = (1...10).map { i in "BK" + String(repeating: "0", count: 4 - String(i).count) + String(i) }

        @Test func stationKilledAtRandomPointsLeavesNoMixedItem() async throws {
            try await offPool { try Self.run() }
        }

        enum KillPoint: CustomStringConvertible {
            /// A fixed delay after the start (start-up, pad settling, maybe the first items).
            case after(seconds: Double)
            /// As soon as a row of this run is in `phase`.
            case phase(String)
            /// As soon as `count` rows of this run are finished.
            case finished(count: Int)
            /// A while after the whole stack was worked.
            case worked(plus: Double)

            var description: String {
                switch self {
                case .after(let s): "after \(String(format: "%.2f", s)) s"
                case .phase(let p): "at \(p)"
                case .finished(let n): "after \(n) done"
                case .worked(let s): "worked + \(String(format: "%.2f", s)) s"
                }
            }
        }

        static func run() throws {
            let started = Date()
            // STATION_KILL_SEED=<seed> replays the kill points of a printed run.
            let seed =
                ProcessInfo.processInfo.environment["STATION_KILL_SEED"].flatMap { UInt64($0) }
                ?? UInt64(truncatingIfNeeded: Int(Date().timeIntervalSince1970))
            var rng = SeededRandom(seed: seed)
            let peer = try Peer(.invenio)
            try peer.reset()

            // The pad: it survives every death of the daemon.
            let field = StaticTagField()
            let server = try TCPEmulatorServer.feig(FeigEmulator(field: field))
            defer { server.stop() }
            let card = try StationTags.card(uid: 0xE004_0150_7000_0001, patron: "P0001")
            var uids: [String: UInt64] = [:]
            for (i, item) in items.enumerated() {
                let uid = 0xE004_0150_7100_0000 | UInt64(i + 1)
                uids[item] = uid
                field.place(try StationTags.tag(uid: uid, pii: item, afi: StationTags.secured), antennas: [1])
            }

            let dir = FileManager.default.temporaryDirectory.appendingPathComponent("station-kill-\(UUID().uuidString)").path
            try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
            defer { try? FileManager.default.removeItem(atPath: dir) }
            let db = dir + "/station.sqlite"
            // Created (and migrated) here first, so the test's reads never race a migration.
            let store = try CirculationStore(path: db)
            let withPilot = dir + "/autopilot.toml", reconcileOnly = dir + "/reconcile.toml"
            try StationDaemon.config(path: withPilot, db: db, peerPort: peer.port, padPort: server.port, autopilot: true)
            try StationDaemon.config(path: reconcileOnly, db: db, peerPort: peer.port, padPort: server.port, autopilot: false)

            // Where the kills go: every kind several times, in a seeded order.
            var plan: [KillPoint] = []
            for _ in 0..<4 { plan.append(.after(seconds: Double.random(in: 0.3...3.2, using: &rng))) }
            for _ in 0..<5 { plan.append(.phase("ils-sent")) }
            for _ in 0..<5 { plan.append(.phase("tag-writing")) }
            for _ in 0..<2 { plan.append(.phase("accepted")) }
            for _ in 0..<3 { plan.append(.finished(count: Int.random(in: 1...9, using: &rng))) }
            while plan.count < rounds { plan.append(.worked(plus: Double.random(in: 0...1.5, using: &rng))) }
            plan.shuffle(using: &rng)

            let openPhases = Set(CirculationStore.openJournalPhases)
            // A failing round must not leave a daemon behind.
            var daemons: [Process] = []
            defer {
                for d in daemons where d.isRunning {
                    kill(d.processIdentifier, SIGKILL)
                    d.waitUntilExit()
                }
            }
            var kills = 0, mixed = 0, midWork = 0
            var landed: [String: Int] = [:], inPhase: [String: Int] = [:]
            var lines: [String] = []
            for round in 0..<rounds {
                let checkout = round % 2 == 0
                if checkout { field.place(card, antennas: [1]) } else { field.remove(uid: card.uid) }
                let lastID = try store.recentJournal(limit: 1).first?.id ?? 0
                func rows() throws -> [StationJournalRow] { try store.recentJournal(limit: 200).filter { $0.id > lastID } }

                // (1) + (2): the autopilot works the stack; kill -9 at the planned point.
                let point = plan[round]
                let runStart = Date()
                let p = try StationDaemon.start(config: withPilot, log: dir + "/round-\(round)-work.log")
                daemons = [p]
                // The whole stack worked (every item's row finished): a phase or count not seen
                // by then is not waited for any longer.
                func worked() throws -> Bool {
                    let r = try rows()
                    return r.count >= items.count && r.allSatisfy { !openPhases.contains($0.phase) }
                }
                let deadline = Date().addingTimeInterval(20)
                switch point {
                case .after(let s):
                    usleep(UInt32(s * 1_000_000))
                case .phase(let phase):
                    while try Date() < deadline && p.isRunning && !rows().contains(where: { $0.phase == phase }) && !worked() {
                        usleep(1_000)
                    }
                case .finished(let n):
                    while try Date() < deadline && p.isRunning && rows().filter({ !openPhases.contains($0.phase) }).count < n {
                        usleep(1_000)
                    }
                case .worked(let plus):
                    while try Date() < deadline && p.isRunning && !worked() { usleep(2_000) }
                    usleep(UInt32(plus * 1_000_000))
                }
                #expect(p.isRunning, "round \(round): the daemon died before the kill; see \(dir)/round-\(round)-work.log")
                kill(p.processIdentifier, SIGKILL)
                p.waitUntilExit()
                kills += 1
                let killedAfter = Date().timeIntervalSince(runStart)

                // Where the kill landed: the phases of the rows it left open.
                let atKill = try rows()
                let open = atKill.filter { openPhases.contains($0.phase) }
                let landing: String
                if atKill.isEmpty {
                    landing = "before the stack"
                } else if open.isEmpty {
                    landing = "after the stack"
                } else {
                    midWork += 1
                    landing = Set(open.map(\.phase)).sorted().joined(separator: "+")
                }
                landed[landing, default: 0] += 1
                for phase in Set(open.map(\.phase)) { inPhase[phase, default: 0] += 1 }
                // One pass per layout: the desk's own tag writes must not start a second one.
                #expect(atKill.count <= items.count, "round \(round): the autopilot worked the stack more than once")

                // (3) Restart without the autopilot: only the reconciliation runs.
                let logPath = dir + "/round-\(round)-reconcile.log"
                let q = try StationDaemon.start(config: reconcileOnly, log: logPath)
                daemons = [q]
                let settleBy = Date().addingTimeInterval(40)
                var settled = false
                while Date() < settleBy && q.isRunning {
                    let log = (try? String(contentsOfFile: logPath, encoding: .utf8)) ?? ""
                    if log.contains("station running"), try store.openJournalEntries().isEmpty {
                        settled = true
                        break
                    }
                    usleep(20_000)
                }
                #expect(settled, "round \(round): the journal was not settled after the restart; see \(logPath)")
                #expect(try rows().count == atKill.count, "round \(round): the reconciling run started new work")

                // (4) Every item: charged at the ILS ⇔ its tag unsecured.
                let ils = try peer.state().items
                var mixedNow: [String] = []
                for item in items {
                    let charged = ils[item]?["status"] as? String == "charged"
                    let afi = field.tag(uid: uids[item]!)?.afi
                    if charged != (afi == StationTags.unsecured) || (afi != StationTags.unsecured && afi != StationTags.secured) {
                        mixedNow.append(
                            "\(item) (ILS \(charged ? "charged" : "not charged"), AFI \(afi.map { String($0, radix: 16) } ?? "-"))")
                    }
                    if charged { #expect(ils[item]?["patron"] as? String == "P0001", "\(item) charged to \(ils[item]?["patron"] ?? "?")") }
                }
                mixed += mixedNow.count
                #expect(mixedNow.isEmpty, "round \(round) (\(checkout ? "checkout" : "return"), kill \(point)): mixed \(mixedNow)")
                #expect(StationDaemon.stop(q), "round \(round): the reconciling daemon did not stop on SIGTERM")
                #expect(q.terminationStatus == 0)

                // (5) The next round starts consistent: a mixed item (counted above) is put
                // right by hand, so one failure does not spill into the following rounds.
                for item in items {
                    let charged = ils[item]?["status"] as? String == "charged"
                    _ = field.setAFI(uid: uids[item]!, afi: charged ? StationTags.unsecured : StationTags.secured)
                }
                let charged = items.filter { ils[$0]?["status"] as? String == "charged" }.count
                lines.append(
                    "  round \(round) \(checkout ? "checkout" : "return  ") kill \(point) (\(String(format: "%.2f", killedAfter)) s): "
                        + "landed \(landing), \(atKill.count) rows, \(open.count) open; then \(charged) charged, \(mixedNow.count) mixed")
            }
            let fixes = try store.tagFixes(limit: 100)
            #expect(fixes.isEmpty, "the pad audit had to put tags right: \(fixes)")
            #expect(kills >= 20)
            #expect(midWork >= 5, "only \(midWork) kills landed with journal rows open")
            #expect(mixed == 0)
            let distribution = landed.sorted { $0.key < $1.key }.map { "\($0.key): \($0.value)" }.joined(separator: ", ")
            print(
                """
                station kill -9 test (rfidgated, invenio-sip2): seed \(seed), \(kills) kills (\(midWork) with journal rows open), \
                \(mixed) mixed items, \(String(format: "%.0f", Date().timeIntervalSince(started))) s
                kills landed: \(distribution)
                kills with a row open in: \(CirculationStore.openJournalPhases.map { "\($0) \(inPhase[$0] ?? 0)" }.joined(separator: ", "))
                \(lines.joined(separator: "\n"))
                """)
        }
    }
}
