import Circulation
import Foundation
import Logging
import Synchronization
import Testing

@testable import Daemon

/// Tag data is written by strangers. A title, item id or owner carrying escape sequences, line
/// breaks, bidi overrides or spreadsheet formulas goes through every path that shows, logs or
/// exports it; none of it arrives raw.
@Suite("hostile tag text", .serialized)
struct HostileTagTextTests {
    /// Clears the screen, paints red, forges a second log line, reverses the rest of the line.
    static let item = "3901\u{1B}[2J\u{1B}[31m\nALARM  item 1 forged\u{202E}"
    static let title = "=HYPERLINK(\"http://evil\")\u{1B}]0;owned\u{7}\u{9B}6n"
    static let owner = "DK-\u{1B}[8m718500"

    /// What may never reach a terminal or a file raw.
    static func clean(_ text: String, _ path: String) {
        for bad: Unicode.Scalar in ["\u{1B}", "\u{7}", "\u{9B}", "\u{202E}"] {
            #expect(!text.unicodeScalars.contains(bad), "\(path) let U+\(String(bad.value, radix: 16)) through")
        }
        #expect(!text.contains("\nALARM  item 1 forged"), "\(path) let a forged line through")
    }

    final class Lines: @unchecked Sendable {
        let lock = NSLock()
        var lines: [String] = []
        func add(_ s: String) { lock.withLock { lines.append(s) } }
        var all: String { lock.withLock { lines.joined(separator: "\n") } }
    }

    @Test func theConsoleAndStatusLinesEscapeIt() {
        let captured = Lines()
        let output = StatusOutput(write: { captured.add($0) })
        output.write("ALARM  item \(Self.item) (\(Self.owner))  \"\(Self.title)\"")
        output.write("SYNC DEAD LETTER  #1 checkout item \(Self.item): \(Self.title)")
        Self.clean(captured.all, "the console")
        #expect(captured.all.contains("\\x1b[2J"), "shown escaped, not dropped: \(captured.all)")
    }

    /// A LogHandler that keeps what reaches it (the journal's place).
    struct Capture: LogHandler {
        let lines: Lines
        var logLevel: Logger.Level = .trace
        var metadata: Logger.Metadata = [:]
        subscript(metadataKey key: String) -> Logger.Metadata.Value? {
            get { metadata[key] }
            set { metadata[key] = newValue }
        }
        func log(
            level: Logger.Level, message: Logger.Message, metadata: Logger.Metadata?, source: String, file: String, function: String,
            line: UInt
        ) {
            lines.add("\(message) \((metadata ?? [:]).map { "\($0.key)=\($0.value)" }.sorted().joined(separator: " "))")
        }
    }

    @Test func theJournalAndLogsEscapeIt() {
        let captured = Lines()
        let logger = Logger(label: "test") { _ in SafeLogHandler(inner: Capture(lines: captured)) }
        logger.notice(
            "alarm for \(Self.item)",
            metadata: ["item.id": "\(Self.item)", "item.title": .string(Self.title), "list": .array([.string(Self.owner)])])
        logger.warning("\(Self.item): tag and cache disagree")
        Self.clean(captured.all, "the journal")
    }

    @Test func rfidgatectlAlarmsTextAndCSVEscapeIt() throws {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("hostile-\(UUID().uuidString).sqlite").path
        let store = try CirculationStore(path: path)
        try store.record(alarms: [
            AlarmRecord(
                at: 1_800_000_000_000, item: Self.item, tagUID: "E0040150", title: Self.title, ownerISIL: Self.owner,
                reader: "gate-1", antenna: 1, afi: 0x07, reason: "secured")
        ])
        let text = try StatusSocketTests.ctl(["alarms", "--since", "2020-01-01", "--db", path])
        #expect(text.status == 0, "\(text.err)")
        Self.clean(text.out + text.err, "rfidgatectl alarms")
        let csv = try StatusSocketTests.ctl(["alarms", "--since", "2020-01-01", "--db", path, "--csv"])
        #expect(csv.status == 0)
        Self.clean(csv.out, "rfidgatectl alarms --csv")
        let row = try #require(csv.out.split(separator: "\n").dropFirst().first.map(String.init))
        #expect(row.contains(",\"'=HYPERLINK("), "a formula is defused: \(row)")
        #expect(csv.out.split(separator: "\n").count == 2, "one header, one row: no line break smuggled in")
    }

    @Test func rfidgatectlCacheShowEscapesImportedText() throws {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("hostile-\(UUID().uuidString).sqlite").path
        _ = try CirculationStore(path: path)
        let set = try StatusSocketTests.ctl([
            "cache", "set", "39010000000524", "--state", "available", "--title", Self.title, "--owner", Self.owner, "--db", path,
        ])
        #expect(set.status == 0, "\(set.err)")
        let show = try StatusSocketTests.ctl(["cache", "show", "39010000000524", "--db", path])
        #expect(show.status == 0 && show.out.contains("HYPERLINK"))
        Self.clean(show.out + show.err, "rfidgatectl cache show")
    }
}
