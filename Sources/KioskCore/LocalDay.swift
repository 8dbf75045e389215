/// The start of the local day and hour around a moment: what "today" and "this hour" mean on
/// the gate's screen. China keeps no daylight saving; elsewhere the offset of the moment is
/// close enough for a day's count.
public enum LocalDay {
    /// (local midnight, start of the local hour), both in Unix ms.
    public static func boundaries(nowMillis: Int64, utcOffsetSeconds: Int) -> (day: Int64, hour: Int64) {
        let now = floorDiv(nowMillis, 1000)
        let local = now + Int64(utcOffsetSeconds)
        return ((now - mod(local, 86_400)) * 1000, (now - mod(local, 3600)) * 1000)
    }

    static func mod(_ a: Int64, _ m: Int64) -> Int64 { ((a % m) + m) % m }
    static func floorDiv(_ a: Int64, _ b: Int64) -> Int64 { (a - mod(a, b)) / b }
}
