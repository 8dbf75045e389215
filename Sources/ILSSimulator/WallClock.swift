#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The system's wall clock, for due dates and SIP2 dates (the simulator does not depend on the
/// client's `SIP2Clock`: a server needs no client).
public enum WallClock {
    /// Unix seconds now (CLOCK_REALTIME).
    @Sendable public static func unixNow() -> Int64 {
        var ts = timespec()
        clock_gettime(CLOCK_REALTIME, &ts)
        return Int64(ts.tv_sec)
    }

    /// The local UTC offset at `unixSeconds`, from the system time zone database.
    public static func localOffset(at unixSeconds: Int64) -> Int {
        var t = time_t(unixSeconds)
        var tm = tm()
        localtime_r(&t, &tm)
        return Int(tm.tm_gmtoff)
    }
}
