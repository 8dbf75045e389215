import ControlProtocol
import Foundation
import ISO28560
import Testing

/// The events stream's wire form (`rfidgatectl events --follow --json`): the request lines, the
/// documented field names, absent (not null) fields, tag text escaped, and what old and new
/// peers make of each other.
@Suite struct ControlEventCodingTests {
    @Test func requestLinesAreOneWordEach() {
        #expect(ControlRequest.status.line == "status\n")
        #expect(ControlRequest.events.line == "events\n")
        #expect(ControlRequest(line: "events") == .events)
        #expect(ControlRequest(line: " events\r\n") == .events)
        #expect(ControlRequest(line: "status\n") == .status)
        #expect(ControlRequest(line: "EVENTS") == nil)
        #expect(ControlRequest(line: "events please") == nil)
        #expect(ControlRequest(line: "") == nil)
    }

    @Test func alarmHasTheDocumentedFieldsSorted() throws {
        let e = ControlEvent.alarm(
            at: 1_700_000_000_123, item: "3901234", part: 1, parts: 1, title: "Bog/Book", owner: "DK-718500", tag: "E004010012345678",
            afi: 7, reader: "gate-1", antenna: 2, reason: "secured", logged: true)
        #expect(
            e.json
                == #"{"afi":7,"antenna":2,"at":1700000000123,"item":"3901234","logged":true,"owner":"DK-718500","reader":"gate-1","reason":"secured","tag":"E004010012345678","title":"Bog/Book","type":"alarm"}"#
        )
        // A multi-part set names the part; a single item has neither key.
        let set = ControlEvent.alarm(
            at: 1, item: "x", part: 2, parts: 3, title: nil, owner: nil, tag: "T", afi: 7, reader: "r", antenna: 1, reason: "s",
            logged: false)
        #expect(set.json.contains(#""part":2,"parts":3"#) && !set.json.contains("title") && !set.json.contains("owner"))
        #expect(set.text.contains("item x part 2/3") && set.text.contains("(no title)") && set.text.contains("not yet in the event log"))
    }

    @Test func everyKindRoundTripsAndReadsAsOneLine() throws {
        let events: [ControlEvent] = [
            .subscribed(role: "gate", buffer: 1024),
            .readerFailing(at: 1, reader: "gate-1", error: "timeout"),
            .readerRecovered(at: 2, reader: "gate-1", downMillis: 1500),
            .visitors(at: 3, entering: 4, leaving: 5),
            .session(at: 4, state: "working", mode: "checkout", items: 3),
            .stationItem(at: 5, item: "3901", title: "T", result: "checked-out", due: "2026-12-24"),
            .sync(at: 6, replayed: 2, deadLetters: 1, backlog: nil),
            .deadLetter(at: 7, entry: 12, kind: "checkout", item: "3901", reason: "item unknown"),
            .dropped(17),
        ]
        for e in events {
            let line = e.json
            #expect(!line.contains("\n"))
            #expect(try JSONWire.decode(ControlEvent.self, from: line) == e)
            #expect(!e.text.contains("\n") && !e.text.isEmpty)
        }
        #expect(events[2].json.contains(#""down_ms":1500"#) && events[2].json.contains(#""state":"recovered""#))
        #expect(events[6].json.contains(#""dead_letters":1"#) && !events[6].json.contains("backlog"))
        #expect(events[8].json == #"{"count":17,"type":"dropped"}"#)
        #expect(events[8].text == "dropped 17 events (this client read too slowly)")
        #expect(events[3].text == "VISITORS 4 in, 5 out")
    }

    /// Titles come from tags and imports: nothing in them may reach a terminal raw.
    @Test func hostileTitleIsEscapedOnTheWire() {
        let e = ControlEvent.stationItem(at: 1, item: "1\u{1B}[2J", title: "A\u{202E}B\u{85}C\nD", result: "returned")
        let line = e.json
        for bad in ["\u{1B}", "\u{202E}", "\u{85}", "\n"] { #expect(!line.contains(bad)) }
        #expect(line.contains(#"\u202e"#) && line.contains(#"\u001b"#))
    }

    /// A newer daemon's fields are ignored by this client; a status report (an old daemon's
    /// answer to `events`) is not an event.
    @Test func unknownFieldsAreIgnoredAndAReportIsNoEvent() throws {
        let e = try JSONWire.decode(ControlEvent.self, from: #"{"type":"alarm","at":5,"new_field":[1,2],"item":"9"}"#)
        #expect(e.type == "alarm" && e.item == "9")
        #expect(throws: (any Error).self) { try JSONWire.decode(ControlEvent.self, from: #"{"alarms":1,"readers":[]}"#) }
    }

    /// The report's visitors: null for a station, absent in old daemons' reports (still read).
    @Test func statusReportVisitorsAreBackwardCompatible() throws {
        var r = StatusReportCodingTests.report
        #expect(try JSONWire.encode(r).contains(#""visitors":null"#))
        r.visitors = .init(entering: 3, leaving: 9)
        let text = try JSONWire.encode(r)
        #expect(text.contains(#""visitors":{"entering":3,"leaving":9}"#))
        #expect(try JSONWire.decode(StatusReport.self, from: text) == r)
        let old = text.replacingOccurrences(of: #","visitors":{"entering":3,"leaving":9}"#, with: "")
        #expect(try JSONWire.decode(StatusReport.self, from: old).visitors == nil)
    }
}
