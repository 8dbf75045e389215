import StationCore

/// What the desk tells its screen (the kiosk), the log and the tests, as it happens.
public enum StationEvent: Sendable, Equatable {
    case askPIN
    case welcome(PatronSummary)
    case refused(String)
    case working(StationMode, items: Int)
    /// A tag left the pad before its state was written: put it back.
    case putBack(item: String, title: String?)
    case itemDone(ItemOutcome)
    case receipt(Receipt)
    case sessionEnded
    /// A tag whose security state disagreed with the ILS was put right.
    case tagFixed(item: String, toAFI: UInt8)
}

/// Counts for the status report and the end-of-run summary.
public struct StationCounters: Sendable, Equatable, Codable {
    public var sessions = 0
    public var checkouts = 0
    public var returns = 0
    public var renewals = 0
    public var refusals = 0
    public var cancelled = 0
    public var offline = 0
    public var unresolved = 0
    public var tagFixes = 0
    public var writeRetries = 0
    public var reconciled = 0
    public init() {}
}
