import Synchronization
import Threads

/// The gate's light and buzzer on a USB relay: `trigger()` switches the configured relays on
/// and keeps them on for `pulseNanos` after the last trigger, then off. Runs on its own thread
/// so the caller (the event drain) never waits for USB; a missing or unplugged board is
/// reported once through `onError` and retried on the next alarm.
public final class RelayAlarmOutput: @unchecked Sendable {
    public let relays: [UInt8]
    public let pulseNanos: UInt64
    private let relay: USBRelay
    private let cond = PthreadCondition()
    private var offAt: UInt64 = 0
    private var stopping = false
    private var thread: OSThread?
    private let onError: @Sendable (TransportError) -> Void
    /// Alarms that switched the relays (tests, status).
    public let pulses = Atomic<Int>(0)

    public init(relay: USBRelay, relays: [UInt8], pulseNanos: UInt64, onError: @escaping @Sendable (TransportError) -> Void) {
        self.relay = relay
        self.relays = relays
        self.pulseNanos = pulseNanos
        self.onError = onError
        thread = OSThread(name: "alarm-relay") { [self] in loop() }
    }

    /// Sound the alarm now (or keep it sounding).
    public func trigger() {
        cond.withLock { offAt = monotonicNanos() &+ pulseNanos }
        cond.broadcast()
    }

    public func stop() {
        cond.withLock { stopping = true }
        cond.broadcast()
        thread?.join()
        thread = nil
        relay.close()
    }

    private func loop() {
        var isOn = false
        var lastErrorKind = ""
        func apply(_ on: Bool) -> Bool {
            do {
                for r in relays { try relay.send(on ? .on(r) : .off(r)) }
                lastErrorKind = ""
                return true
            } catch {
                let kind = "\(error)".prefix(24)
                if kind != lastErrorKind { lastErrorKind = String(kind); onError(error) }
                return false
            }
        }
        cond.lock()
        while !stopping {
            let now = monotonicNanos()
            let wantOn = offAt > now
            if wantOn != isOn {
                cond.unlock()
                let ok = apply(wantOn)
                if ok && wantOn { pulses.add(1, ordering: .relaxed) }
                cond.lock()
                isOn = ok ? wantOn : (wantOn ? false : isOn)
                if !ok && !wantOn { offAt = 0 }
                if !ok { cond.wait(untilNanos: monotonicNanos() &+ 200_000_000); continue }
            }
            cond.wait(untilNanos: wantOn ? offAt : now &+ 1_000_000_000)
        }
        cond.unlock()
        if isOn { _ = apply(false) }
    }
}
