/// A SIP2 fixed date "YYYYMMDDZZZZHHMMSS". ZZZZ is four blanks for the ACS's local time (what every
/// ILS sends) or e.g. "   Z" for UTC. Formatted and parsed by hand: the codec has no Foundation.
public struct SIP2Date: Hashable, Sendable, CustomStringConvertible {
    public var year, month, day, hour, minute, second: Int

    /// "YYYY-MM-DD": how the store, the outbox and receipts write a due date.
    public var isoDay: String {
        func two(_ v: Int) -> String { v < 10 ? "0\(v)" : "\(v)" }
        return "\(year)-\(two(month))-\(two(day))"
    }
    /// Exactly four characters; "    " = local time.
    public var zone: String

    public init(year: Int, month: Int, day: Int, hour: Int = 0, minute: Int = 0, second: Int = 0, zone: String = "    ") {
        self.year = year; self.month = month; self.day = day
        self.hour = hour; self.minute = minute; self.second = second
        self.zone = zone
    }

    /// The wall-clock date for `unixSeconds` shifted by `utcOffsetSeconds` (pass the local offset for
    /// local time, 0 with zone "   Z" for UTC).
    public init(unixSeconds: Int64, utcOffsetSeconds: Int = 0, zone: String = "    ") {
        let t = unixSeconds + Int64(utcOffsetSeconds)
        var days = t / 86_400, secs = t % 86_400
        if secs < 0 { secs += 86_400; days -= 1 }
        let (y, m, d) = SIP2Date.civil(fromDays: days)
        self.init(year: y, month: m, day: d, hour: Int(secs / 3600), minute: Int(secs % 3600 / 60), second: Int(secs % 60), zone: zone)
    }

    /// Seconds since 1970 of this wall-clock time read as UTC (subtract the local offset for local time).
    public var secondsAsUTC: Int64 {
        SIP2Date.days(fromCivil: year, month, day) * 86_400 + Int64(hour * 3600 + minute * 60 + second)
    }

    /// The 18-character wire form.
    public var description: String {
        pad(year, 4) + pad(month, 2) + pad(day, 2) + zone + pad(hour, 2) + pad(minute, 2) + pad(second, 2)
    }

    public static let blank = String(repeating: " ", count: 18)

    /// Parses the 18-character form; nil for all blanks or anything malformed. Any letter or blank is
    /// accepted in ZZZZ (pysip2 accepts [A-Z ]{4}).
    public init?(sip text: Substring) {
        let u = Array(text.utf8)
        guard u.count == 18 else { return nil }
        func num(_ r: Range<Int>) -> Int? {
            var v = 0
            for i in r { guard u[i] >= 0x30, u[i] <= 0x39 else { return nil }; v = v * 10 + Int(u[i] - 0x30) }
            return v
        }
        guard let y = num(0..<4), let mo = num(4..<6), let d = num(6..<8),
            let h = num(12..<14), let mi = num(14..<16), let s = num(16..<18),
            (1...12).contains(mo), (1...31).contains(d), h < 24, mi < 60, s < 61
        else { return nil }
        for i in 8..<12 where !(u[i] == 0x20 || (u[i] >= 0x41 && u[i] <= 0x5A)) { return nil }
        self.init(year: y, month: mo, day: d, hour: h, minute: mi, second: s, zone: String(decoding: u[8..<12], as: UTF8.self))
    }

    public init?(sip text: String) { self.init(sip: Substring(text)) }

    /// Due dates (AH) have no fixed format: the SIP form first, then ISO forms
    /// ("2011-10-28 23:59:59", "2011-10-28T23:59:59", "2011-10-28").
    public init?(dueDate text: String) {
        if let d = SIP2Date(sip: Substring(text)) { self = d; return }
        let u = Array(text.utf8)
        guard u.count >= 10, u[4] == 0x2D, u[7] == 0x2D else { return nil }
        func num(_ r: Range<Int>) -> Int? {
            guard r.upperBound <= u.count else { return nil }
            var v = 0
            for i in r { guard u[i] >= 0x30, u[i] <= 0x39 else { return nil }; v = v * 10 + Int(u[i] - 0x30) }
            return v
        }
        guard let y = num(0..<4), let mo = num(5..<7), let d = num(8..<10), (1...12).contains(mo), (1...31).contains(d) else { return nil }
        var h = 0, mi = 0, s = 0
        if u.count >= 16, u[10] == 0x20 || u[10] == 0x54 {
            guard let hh = num(11..<13), let mm = num(14..<16) else { return nil }
            h = hh; mi = mm
            if u.count >= 19, let ss = num(17..<19) { s = ss }
        }
        self.init(year: y, month: mo, day: d, hour: h, minute: mi, second: s)
    }

    // Howard Hinnant's days_from_civil / civil_from_days (proleptic Gregorian).
    static func days(fromCivil y0: Int, _ m: Int, _ d: Int) -> Int64 {
        let y = Int64(m <= 2 ? y0 - 1 : y0)
        let era = (y >= 0 ? y : y - 399) / 400
        let yoe = y - era * 400
        let mp = Int64((m + 9) % 12)
        let doy = (153 * mp + 2) / 5 + Int64(d) - 1
        let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy
        return era * 146_097 + doe - 719_468
    }

    static func civil(fromDays z0: Int64) -> (Int, Int, Int) {
        let z = z0 + 719_468
        let era = (z >= 0 ? z : z - 146_096) / 146_097
        let doe = z - era * 146_097
        let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365
        let doy = doe - (365 * yoe + yoe / 4 - yoe / 100)
        let mp = (5 * doy + 2) / 153
        let d = doy - (153 * mp + 2) / 5 + 1
        let m = mp < 10 ? mp + 3 : mp - 9
        return (Int(yoe + era * 400 + (m <= 2 ? 1 : 0)), Int(m), Int(d))
    }
}

@inline(__always) func pad(_ v: Int, _ width: Int) -> String {
    let s = String(v)
    return s.count >= width ? s : String(repeating: "0", count: width - s.count) + s
}
