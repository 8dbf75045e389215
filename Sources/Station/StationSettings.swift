import StationCore

/// Everything the station's desk needs to know about the site (the `[station]` section maps
/// onto it; the embedded default is a sensible single-library station).
public struct StationSettings: Sendable {
    /// Names this station in outbox keys and logs.
    public var stationID: String
    public var session: StationSession.Settings
    public var planner: ItemPlanner
    public var offline: OfflineRules
    public var security: TagSecurityWriter.Profile
    public var patronCards: PatronCardMapping
    /// Tries of a tag write (and its verify) while the tag lies on the pad.
    public var writeAttempts: Int
    /// How long a tag lifted mid-write may take to come back before the loan is cancelled.
    public var liftGraceNanos: UInt64
    /// The pad must have been read this long before "not on the pad" is believed (restart).
    public var settleNanos: UInt64
    public var utcOffsetSeconds: Int

    public init(
        stationID: String = "station-1", session: StationSession.Settings = .init(), planner: ItemPlanner = .init(),
        offline: OfflineRules = .init(enabled: true), security: TagSecurityWriter.Profile = .init(),
        patronCards: PatronCardMapping = .init(), writeAttempts: Int = 3, liftGraceNanos: UInt64 = 8_000_000_000,
        settleNanos: UInt64 = 2_000_000_000, utcOffsetSeconds: Int = 8 * 3600
    ) {
        self.stationID = stationID
        self.session = session
        self.planner = planner
        self.offline = offline
        self.security = security
        self.patronCards = patronCards
        self.writeAttempts = writeAttempts
        self.liftGraceNanos = liftGraceNanos
        self.settleNanos = settleNanos
        self.utcOffsetSeconds = utcOffsetSeconds
    }
}

/// What the station does while nothing is asked of it through its API: a pad with a patron
/// card and items checks the items out; items alone for `returnAfterNanos` are returned
/// (an unattended return pad). Off by default: a kiosk drives the desk.
public struct Autopilot: Sendable, Equatable {
    public var checkoutWithCard: Bool
    public var returnAfterNanos: UInt64?
    public init(checkoutWithCard: Bool = false, returnAfterNanos: UInt64? = nil) {
        self.checkoutWithCard = checkoutWithCard
        self.returnAfterNanos = returnAfterNanos
    }
}
