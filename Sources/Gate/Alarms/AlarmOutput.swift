/// Something that makes an alarm noticeable: a relay driving a light and buzzer, a reader's
/// own output pins (FEIG, via the readers' drivers), a simulated light. The daemon switches
/// every output on at an alarm and off once the hold time has passed without a new one.
public protocol AlarmOutput: AnyObject, Sendable {
    /// Name in logs ("relay hidraw0", "gate-1 output 1").
    var name: String { get }
    /// Switches the output. Throws when the device did not take the command; the caller
    /// retries (and logs), so implementations should not retry themselves.
    func set(active: Bool) throws
    /// True when the device ends "on" by itself after its own pulse time (a reader's output,
    /// the relay's timer): every new alarm then sends "on" again to restart the pulse.
    var pulsed: Bool { get }
}

extension AlarmOutput {
    public var pulsed: Bool { false }
}

/// The simulated gate's light: counts how often it was switched on.
public final class SimulatedAlarmLight: AlarmOutput, @unchecked Sendable {
    public let name = "simulated light"
    public private(set) var activations = 0
    public private(set) var isOn = false
    /// Makes the next `failures` commands fail (tests of the retry path).
    public var failNext = 0

    public init() {}

    public func set(active: Bool) throws {
        if failNext > 0 {
            failNext -= 1
            throw AlarmOutputError("simulated light did not answer")
        }
        if active && !isOn { activations += 1 }
        isOn = active
    }
}

public struct AlarmOutputError: Error, CustomStringConvertible {
    public let description: String
    public init(_ d: String) { description = d }
}
