import SIP2

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Wall-clock SIP2 dates for this box: local time with a blank zone (what every ILS expects), or
/// UTC with zone "   Z". Offline transactions are only as good as this clock: keep NTP running.
public enum SIP2Clock {
    public static func unixNow() -> Int64 {
        var ts = timespec()
        clock_gettime(CLOCK_REALTIME, &ts)
        return Int64(ts.tv_sec)
    }

    /// The local UTC offset at `unixSeconds` (from the system time zone database).
    public static func localOffset(at unixSeconds: Int64) -> Int {
        var t = time_t(unixSeconds)
        var tm = tm()
        localtime_r(&t, &tm)
        return Int(tm.tm_gmtoff)
    }

    public static func date(unixSeconds: Int64, utc: Bool = false) -> SIP2Date {
        utc
            ? SIP2Date(unixSeconds: unixSeconds, zone: "   Z")
            : SIP2Date(unixSeconds: unixSeconds, utcOffsetSeconds: localOffset(at: unixSeconds))
    }

    public static func now(utc: Bool = false) -> SIP2Date { date(unixSeconds: unixNow(), utc: utc) }

    /// Seconds since 1970 for a SIP2 date read as this box's local time (or UTC for zone "   Z").
    public static func unixSeconds(of d: SIP2Date) -> Int64 {
        let asUTC = d.secondsAsUTC
        if d.zone == "   Z" { return asUTC }
        return asUTC - Int64(localOffset(at: asUTC))
    }
}
