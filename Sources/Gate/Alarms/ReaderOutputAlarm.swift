import ReaderHub

/// A reader's own digital outputs (a FEIG gate's light and buzzer) as an alarm output. The
/// command runs on the reader's thread (its `ReaderCommands` mailbox), so `set` waits at most
/// `timeoutNanos` for that thread to get to it and throws if it did not: `AlarmSignal` then
/// logs and retries, and a failing reader refuses at once instead of holding the caller up.
///
/// "On" is a pulse of `pulseMillis` (the alarm hold time) that the reader ends by itself, so a
/// dead link or daemon cannot leave the buzzer sounding; "off" ends it early. A later alarm
/// sends "on" again, which restarts the pulse (`pulsed`).
public final class ReaderOutputAlarm: AlarmOutput, Sendable {
    public let name: String
    public let outputs: [UInt8]
    public let pulseMillis: Int
    public let timeoutNanos: UInt64
    private let commands: ReaderCommands

    /// The longest a caller waits for the reader thread by default: one inventory cycle of a
    /// busy gate, well below what a person notices between the alarm and the light.
    public static let defaultTimeoutNanos: UInt64 = 300_000_000

    public init(
        readerName: String, outputs: [UInt8], commands: ReaderCommands, pulseMillis: Int, timeoutNanos: UInt64 = defaultTimeoutNanos
    ) {
        precondition(!outputs.isEmpty)
        self.outputs = outputs
        self.commands = commands
        // 0 ms would mean "off" on the wire; the reader counts in 100 ms.
        self.pulseMillis = max(pulseMillis, 100)
        self.timeoutNanos = timeoutNanos
        name = "\(readerName) output\(outputs.count == 1 ? "" : "s") \(outputs.map(String.init).joined(separator: ","))"
    }

    public var pulsed: Bool { true }

    public func set(active: Bool) throws {
        try commands.setOutputs(outputs, onForMillis: active ? pulseMillis : 0, timeoutNanos: timeoutNanos)
    }
}
