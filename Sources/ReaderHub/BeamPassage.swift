/// Where a gate's people-counting beam is wired: which digital inputs, and how to read them.
public struct BeamSettings: Sendable, Equatable {
    /// One input (a single beam) or two (`[A, B]`: A on the library side, B on the street side).
    public var inputs: [UInt8]
    /// How often the reader's inputs are read.
    public var pollNanos: UInt64
    /// Single beam only: the direction every interruption counts as.
    public var direction: VisitorBeam.Direction?
    /// The input reads 0 (not 1) while the beam is broken (normally-closed sensor contacts).
    public var inverted: Bool

    public init(inputs: [UInt8], pollNanos: UInt64 = 100_000_000, direction: VisitorBeam.Direction? = nil, inverted: Bool = false) {
        self.inputs = inputs
        self.pollNanos = pollNanos
        self.direction = direction
        self.inverted = inverted
    }
}

/// Turns samples of the beam inputs into passages. Pure: no I/O, no clock; one per reader,
/// fed by that reader's thread.
///
/// Two beams: an "episode" runs from the first beam broken until both are clear again. Its
/// direction is which beam broke first and which cleared last: A first and B last is someone
/// leaving (library side to street side), B first and A last someone entering. A person who
/// steps in and turns back breaks and clears the same beam first and last and is not counted;
/// neither is a flicker of one beam alone. If both broke in the same sample, the beam that
/// cleared last decides; if both also cleared together, the passage is counted as undetermined.
///
/// One beam: every interruption (broken, then clear) is one passage in the configured direction.
public struct BeamPassageDetector: Sendable {
    public enum Beam: Sendable, Equatable { case a, b, both }

    public let settings: BeamSettings
    private let maskA: UInt8
    private let maskB: UInt8
    private var first: Beam? = nil  // nil: no episode (both clear)
    private var last: Beam? = nil  // the beam(s) broken in the last sample of the episode
    private var sawA = false, sawB = false
    /// Episodes that could not be given a direction (both beams broke and cleared together).
    public private(set) var undetermined = 0

    public init(settings: BeamSettings) {
        self.settings = settings
        maskA = settings.inputs.first.map { 1 << ($0 - 1) } ?? 0
        maskB = settings.inputs.count > 1 ? 1 << (settings.inputs[1] - 1) : 0
    }

    /// Feeds one reading of the reader's inputs (bit 0 = input 1); returns the passage it
    /// completed, if any.
    public mutating func update(inputs raw: UInt8) -> VisitorBeam.Direction? {
        let mask = settings.inverted ? ~raw : raw
        let a = mask & maskA != 0
        if maskB == 0 { return single(broken: a) }
        return pair(a: a, b: mask & maskB != 0)
    }

    private mutating func single(broken: Bool) -> VisitorBeam.Direction? {
        defer { first = broken ? .a : nil }
        return first != nil && !broken ? settings.direction ?? .entering : nil
    }

    private mutating func pair(a: Bool, b: Bool) -> VisitorBeam.Direction? {
        let now: Beam? = a && b ? .both : a ? .a : b ? .b : nil
        guard let now else {
            // Both clear: the episode (if any) is over.
            defer { first = nil; last = nil; sawA = false; sawB = false }
            guard let first, let last, sawA && sawB else { return nil }
            switch (first, last) {
            case (.a, .b), (.a, .both), (.both, .b): return .leaving
            case (.b, .a), (.b, .both), (.both, .a): return .entering
            case (.both, .both): undetermined += 1; return nil
            default: return nil  // the same beam first and last: turned back
            }
        }
        if first == nil { first = now }
        last = now
        sawA = sawA || a
        sawB = sawB || b
        return nil
    }
}
