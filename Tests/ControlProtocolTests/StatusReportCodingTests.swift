import ControlProtocol
import ISO28560
import Testing

/// The status report's wire form: the keys scripts and `rfidgatectl status --json` users read,
/// null (not absent) for a missing cache or sync, and the same value back after decoding.
@Suite struct StatusReportCodingTests {
    static let report = StatusReport(
        role: "gate", simulated: true, uptimeSeconds: 12.3,
        readers: [
            .init(
                id: "gate-1", driver: "feig-sim", wire: "sim gate-1", state: "reading",
                antennas: [.init(antenna: 1, reads: 40), .init(antenna: 2, reads: 0)], cycles: 9, reads: 40, timeouts: 1,
                protocolErrors: 2, disconnects: 3, ringFill: 0.125, ringHighWater: 7, drops: 0)
        ],
        reads: 40, items: 3, alarms: 1, undecodable: 0, drops: 0, cache: nil, sync: nil)

    @Test func keysAreTheDocumentedOnesAndSorted() throws {
        let text = try JSONWire.encode(Self.report)
        #expect(text.hasPrefix(#"{"alarms":1,"cache":null,"drops":0,"items":3,"readers":[{"antennas":[{"antenna":1,"reads":40}"#))
        for key in [
            "\"uptime_s\":12.3", "\"protocol_errors\":2", "\"ring_fill\":0.125", "\"ring_high_water\":7", "\"sync\":null",
            "\"role\":\"gate\"",
        ] {
            #expect(text.contains(key), "\(key) in \(text)")
        }
        #expect(!text.contains("\n"))
    }

    @Test func decodesWhatItEncodes() throws {
        var r = Self.report
        r.cache = .init(path: "/var/lib/rfidgate/rfidgate.sqlite", entries: 5)
        r.sync = .init(replayed: 4, deadLetters: 1, backlog: nil)
        let text = try JSONWire.encode(r)
        #expect(text.contains(#""path":"/var/lib/rfidgate/rfidgate.sqlite""#), "slashes are not escaped")
        #expect(text.contains(#""sync":{"backlog":null,"dead_letters":1,"replayed":4}"#))
        #expect(try JSONWire.decode(StatusReport.self, from: text) == r)
    }

    /// A gate's report has "station": null; a station's carries the desk's section.
    @Test func stationSectionIsNullForAGateAndRoundTripsForAStation() throws {
        #expect(try JSONWire.encode(Self.report).contains(#""station":null"#))
        var r = Self.report
        r.role = "station"
        r.station = .init(
            state: "working", sessions: 3, checkouts: 9, returns: 4, renewals: 1, refusals: 2, cancelled: 1, offline: 2, unresolved: 0,
            tagFixes: 1, openJournal: 3, padItems: 5, padTags: 7)
        let text = try JSONWire.encode(r)
        for key in [#""open_journal":3"#, #""pad_items":5"#, #""tag_fixes":1"#, #""state":"working""#] {
            #expect(text.contains(key), "\(key) in \(text)")
        }
        #expect(try JSONWire.decode(StatusReport.self, from: text) == r)
    }

    @Test func tagJSONRoundTripsThroughTheSharedCoders() throws {
        let v = JSONValue.object([("b", .array([.int(-1), .bool(true), .null])), ("a", .string("x\"/\n"))])
        let text = try JSONWire.encode(v)
        #expect(text == #"{"a":"x\"/\n","b":[-1,true,null]}"#)
        #expect(
            try JSONWire.decode(JSONValue.self, from: text)
                == .object([("a", .string("x\"/\n")), ("b", .array([.int(-1), .bool(true), .null]))]))
        #expect((try? JSONWire.decode(JSONValue.self, from: "1.5")) == nil, "tag data has integers only")
    }

    @Test func roundedKeepsTheReportsPrecision() {
        #expect(rounded(2.2345, 3) == 2.235 || rounded(2.2345, 3) == 2.234)
        #expect(rounded(691.44, 1) == 691.4)
        #expect(rounded(.nan, 1) == 0)
    }
}

/// JSON output carries tag data too: after encoding, nothing a terminal would obey is left raw,
/// and the text still decodes to the same strings.
@Suite struct JSONWireSafetyTests {
    struct Row: Codable, Equatable { var item: String; var title: String }

    @Test func controlAndBidiCharactersAreEscapedAndRoundTrip() throws {
        let row = Row(item: "3901\u{1B}[2J\n\u{9B}6n", title: "abc\u{202E}fdp \u{2028} 红楼梦")
        let text = try JSONWire.encode(row)
        for bad: Unicode.Scalar in ["\u{1B}", "\n", "\u{9B}", "\u{202E}", "\u{2028}"] {
            #expect(!text.unicodeScalars.contains(bad), "raw U+\(String(bad.value, radix: 16)) in \(text)")
        }
        #expect(text.contains("\\u202e") && text.contains("红楼梦"))
        #expect(try JSONWire.decode(Row.self, from: text) == row)
    }
}
