/// What a client asks the control socket for: the one line it writes after connecting.
///
/// - `status\n`: one status report (`StatusReport`, one JSON line), then the daemon closes.
/// - `events\n`: a `subscribed` event, then one `ControlEvent` per line until the client closes.
///
/// A client that writes nothing (rfidgatectl before the events stream, `socat`, scripts) gets
/// the status report after `ControlRequest.waitMillis`: old clients keep working. Anything else
/// is answered with the status report too; nothing a client sends can change the gate.
public enum ControlRequest: String, Sendable, CaseIterable {
    case status, events

    /// The request as written on the socket.
    public var line: String { rawValue + "\n" }

    /// How long the daemon waits for a request line before answering as if `status` was asked.
    public static let waitMillis = 150
    /// Longest request line the daemon reads; longer is not a request.
    public static let maxLineBytes = 64

    /// The request in `line` (one word; surrounding blanks and CR/LF ignored), nil when unknown.
    public init?(line: some StringProtocol) {
        var s = Substring(line)
        // Character.isWhitespace: "\r\n" is one Character, neither "\r" nor "\n".
        while let c = s.first, c.isWhitespace { s = s.dropFirst() }
        while let c = s.last, c.isWhitespace { s = s.dropLast() }
        self.init(rawValue: String(s))
    }
}

/// One event of the daemon's events stream (`rfidgatectl events --follow`, `rfidgatectl top`):
/// one JSON object per line through `JSONWire`, keys sorted, absent fields left out. `type` says
/// which fields it has; `at` is Unix time in milliseconds. No patron data in any of them.
///
/// | type | fields |
/// |---|---|
/// | `subscribed` | `role`, `buffer` (events held for a slow client before the oldest go) |
/// | `alarm` | `item`, `part`, `parts`, `title`, `owner`, `tag`, `afi`, `reader`, `antenna`, `reason`, `logged` |
/// | `reader` | `reader`, `state` (`failing`, `recovered`), `error` or `down_ms` |
/// | `visitors` | `entering`, `leaving` (counted since the last flush, as written to the event log) |
/// | `station_session` | `state` (`pin`, `started`, `working`, `refused`, `receipt`, `ended`), `mode`, `items`, `reason` |
/// | `station_item` | `item`, `title`, `result`, `due`, `reason`, `afi` |
/// | `sync` | `replayed`, `dead_letters`, `backlog` |
/// | `dead_letter` | `entry`, `kind`, `item`, `reason` |
/// | `dropped` | `count`: events this client missed because it read too slowly |
public struct ControlEvent: Codable, Sendable, Equatable {
    public var type: String
    public var at: Int64?
    public var role: String?
    public var buffer: Int?
    public var item: String?
    public var part: Int?
    public var parts: Int?
    public var title: String?
    public var owner: String?
    public var tag: String?
    public var afi: Int?
    public var reader: String?
    public var antenna: Int?
    public var reason: String?
    public var logged: Bool?
    public var state: String?
    public var error: String?
    public var downMillis: Int?
    public var entering: Int?
    public var leaving: Int?
    public var mode: String?
    public var items: Int?
    public var result: String?
    public var due: String?
    public var replayed: Int?
    public var deadLetters: Int?
    public var backlog: Int?
    public var entry: Int64?
    public var kind: String?
    public var count: Int?

    enum CodingKeys: String, CodingKey {
        case type, at, role, buffer, item, part, parts, title, owner, tag, afi, reader, antenna, reason, logged, state, error
        case entering, leaving, mode, items, result, due, replayed, backlog, entry, kind, count
        case downMillis = "down_ms", deadLetters = "dead_letters"
    }

    public init(type: String, at: Int64? = nil) {
        self.type = type
        self.at = at
    }

    /// The event's JSON line (no newline).
    public var json: String { (try? JSONWire.encode(self)) ?? "{\"type\":\"\(type)\"}" }

    public static func subscribed(role: String, buffer: Int) -> ControlEvent {
        var e = ControlEvent(type: "subscribed")
        e.role = role
        e.buffer = buffer
        return e
    }

    public static func dropped(_ count: Int) -> ControlEvent {
        var e = ControlEvent(type: "dropped")
        e.count = count
        return e
    }

    public static func alarm(
        at: Int64, item: String?, part: Int, parts: Int, title: String?, owner: String?, tag: String, afi: Int, reader: String,
        antenna: Int, reason: String, logged: Bool
    ) -> ControlEvent {
        var e = ControlEvent(type: "alarm", at: at)
        e.item = item
        if parts > 1 { e.part = part; e.parts = parts }
        e.title = title
        e.owner = owner
        e.tag = tag
        e.afi = afi
        e.reader = reader
        e.antenna = antenna
        e.reason = reason
        e.logged = logged
        return e
    }

    public static func readerFailing(at: Int64, reader: String, error: String) -> ControlEvent {
        var e = ControlEvent(type: "reader", at: at)
        e.reader = reader
        e.state = "failing"
        e.error = error
        return e
    }

    public static func readerRecovered(at: Int64, reader: String, downMillis: Int) -> ControlEvent {
        var e = ControlEvent(type: "reader", at: at)
        e.reader = reader
        e.state = "recovered"
        e.downMillis = downMillis
        return e
    }

    public static func visitors(at: Int64, entering: Int, leaving: Int) -> ControlEvent {
        var e = ControlEvent(type: "visitors", at: at)
        e.entering = entering
        e.leaving = leaving
        return e
    }

    public static func session(at: Int64, state: String, mode: String? = nil, items: Int? = nil, reason: String? = nil) -> ControlEvent {
        var e = ControlEvent(type: "station_session", at: at)
        e.state = state
        e.mode = mode
        e.items = items
        e.reason = reason
        return e
    }

    public static func stationItem(
        at: Int64, item: String, title: String?, result: String, due: String? = nil, reason: String? = nil, afi: Int? = nil
    ) -> ControlEvent {
        var e = ControlEvent(type: "station_item", at: at)
        e.item = item
        e.title = title
        e.result = result
        e.due = due
        e.reason = reason
        e.afi = afi
        return e
    }

    public static func sync(at: Int64, replayed: Int, deadLetters: Int, backlog: Int?) -> ControlEvent {
        var e = ControlEvent(type: "sync", at: at)
        e.replayed = replayed
        e.deadLetters = deadLetters
        e.backlog = backlog
        return e
    }

    public static func deadLetter(at: Int64, entry: Int64, kind: String, item: String, reason: String) -> ControlEvent {
        var e = ControlEvent(type: "dead_letter", at: at)
        e.entry = entry
        e.kind = kind
        e.item = item
        e.reason = reason
        return e
    }

    /// One readable line, without the time (the caller puts its own clock in front). Tag and
    /// ILS text is in it as is: print it through `SafeText`.
    public var text: String {
        func quoted(_ s: String?) -> String { s.map { "\"\($0)\"" } ?? "(no title)" }
        switch type {
        case "alarm":
            var what = item.map { "item \($0)" } ?? "tag \(tag ?? "?")"
            if let part, let parts { what += " part \(part)/\(parts)" }
            let owner = self.owner.map { " (\($0))" } ?? ""
            let unlogged = logged == false ? "  [not yet in the event log]" : ""
            return
                "ALARM    \(what)\(owner)  \(quoted(title))  reader \(reader ?? "?") antenna \(antenna ?? 0): \(reason ?? "")\(unlogged)"
        case "reader":
            if state == "recovered" { return "READER   \(reader ?? "?") reads again after \(downMillis ?? 0) ms" }
            return "READER   \(reader ?? "?") \(state ?? "?"): \(error ?? "")"
        case "visitors":
            return "VISITORS \(entering ?? 0) in, \(leaving ?? 0) out"
        case "station_session":
            var s = "SESSION  \(state ?? "?")"
            if let mode { s += " \(mode)" }
            if let items { s += ", \(items) item(s)" }
            if let reason { s += ": \(reason)" }
            return s
        case "station_item":
            var s = "ITEM     \(item ?? "?")  \(quoted(title))  \(result ?? "?")"
            if let due { s += ", due \(due)" }
            if let afi { s += ", AFI \(afi)" }
            if let reason { s += ": \(reason)" }
            return s
        case "sync":
            return
                "SYNC     \(replayed ?? 0) replayed, \(deadLetters ?? 0) dead letters, \(backlog.map(String.init) ?? "?") still queued"
        case "dead_letter":
            return
                "SYNC DEAD LETTER  #\(entry ?? 0) \(kind ?? "?") item \(item ?? "?"): \(reason ?? "") (rfidgatectl sync status)"
        case "dropped":
            return "dropped \(count ?? 0) events (this client read too slowly)"
        case "subscribed":
            return "following \(role ?? "?") events"
        default:
            return type
        }
    }
}
