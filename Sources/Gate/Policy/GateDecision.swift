import ISO28560

/// Why the gate let an item pass or raised the alarm: logged with every alarm.
public enum GateReason: UInt8, BitwiseCopyable, Sendable, CustomStringConvertible {
    case checkedOut
    case secured
    case unknownSecurity
    case undecodable

    public var description: String {
        switch self {
        case .checkedOut: "checked out"
        case .secured: "secured (not checked out)"
        case .unknownSecurity: "security state unknown"
        case .undecodable: "tag data could not be decoded"
        }
    }
}

public enum GateDecision: BitwiseCopyable, Sendable, Equatable {
    case pass(GateReason)
    case alarm(GateReason)

    public var isAlarm: Bool { if case .alarm = self { true } else { false } }
}

/// The gate's rule, as far as the foundation knows it: the tag's own security state.
/// (The circulation cache and hot list join this rule in the policy issue.)
public struct GatePolicy: Sendable, Equatable {
    public var afiProfile: AFIProfile
    /// Alarm when the AFI is neither the secured nor the checked-out value. Default true:
    /// an unknown AFI on a library item more often means an unprogrammed security state than
    /// a foreign item, and a missed theft costs more than a walk back to the desk.
    public var alarmOnUnknownSecurity = true
    /// Alarm when the tag's data cannot be decoded. Default false: the AFI still decides, and
    /// corrupt tags should be fixed at the desk rather than block the exit.
    public var alarmOnUndecodable = false

    public init(afiProfile: AFIProfile = .iso28560) { self.afiProfile = afiProfile }

    /// Pure: security state in, decision out.
    @inline(__always)
    public func decide(afi: UInt8, afiKnown: Bool, decoded: Bool) -> GateDecision {
        let state: SecurityState = afiKnown ? afiProfile.state(afi: afi) : .unknown
        switch state {
        case .checkedOut: return .pass(.checkedOut)
        case .secured: return .alarm(.secured)
        case .unknown:
            if !decoded { return alarmOnUndecodable ? .alarm(.undecodable) : .pass(.undecodable) }
            return alarmOnUnknownSecurity ? .alarm(.unknownSecurity) : .pass(.unknownSecurity)
        }
    }
}
