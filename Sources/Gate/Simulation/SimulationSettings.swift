/// What the simulated gate's world looks like. Defaults make a busy library exit: a patron
/// every 1.5 seconds, most carrying loans, every fifth forgetting to check one item out.
public struct SimulationSettings: Sendable, Equatable {
    /// Items in the library's collection (each gets a tag with ISO 28560 data).
    public var population = 5_000
    /// Share of the collection currently on loan (tag AFI = checked out).
    public var onLoanFraction = 0.5
    /// Patrons walking out per minute (Poisson arrivals).
    public var patronsPerMinute = 40.0
    /// Items a patron carries: uniformly 0...maxItemsPerPatron.
    public var maxItemsPerPatron = 4
    /// Share of patrons who also carry one item that was not checked out (it must alarm).
    /// Spread evenly, not randomly: patron k forgets when floor((k+1)·f + ½) > floor(k·f + ½).
    public var forgetfulFraction = 0.2
    /// How long a patron's items stay in the gate's field.
    public var dwellMillis = 1_200
    /// Share of tags encoded with ISO 28560-3 (the Danish fixed layout); the rest use part 2.
    public var part3Fraction = 0.25
    /// Owner institution written on every tag.
    public var ownerISIL = "DK-718500"
    public var seed: UInt64 = 28560
    /// Items on the circulation cache's hot list (reported missing) whose tags were rewritten
    /// to "checked out": every fourth forgetful patron carries one instead; they must alarm.
    public var hotItems = 3
    /// Items owned by a consortium member (`foreignISIL`), lent there (AFI checked out) and
    /// unknown to this library's cache; honest patrons sometimes carry one.
    public var foreignItems = 20
    public var foreignISIL = "DK-715700"
    /// Share of honest patrons also carrying a consortium member's item.
    public var foreignCarryFraction = 0.1

    public init() {}
}
