import ReaderHub
import Synchronization
import TagRing
import Threads

/// Runs an `AlarmSignal` on its own thread. Switching an output is blocking I/O: a USB control
/// transfer to the relay, or a wait of up to 300 ms for a reader's thread to send its output
/// command. Done on the daemon's two-thread cooperative pool, one slow output would stall the
/// status line, the event log and the SIP2 sync; here it stalls only this thread.
///
/// `alarm(at:)` may be called from any thread and never blocks. Alarms arriving between two
/// turns of the thread are coalesced into one at the latest time (a pulse is re-sent once per
/// batch, as `AlarmSignal` does for one `now`).
public final class AlarmDriver: @unchecked Sendable {
    private let signal: AlarmSignal
    private let clock: any MonotonicClock
    private let tickNanos: UInt64
    /// The newest alarm time not yet handed to the signal; 0 = none.
    private let latest = Atomic<UInt64>(0)
    private let bell = Doorbell()
    private let stopFlag = Atomic<Bool>(false)
    private var thread: OSThread?
    private let turnCount = Atomic<Int>(0)

    public init(signal: AlarmSignal, clock: any MonotonicClock, tickNanos: UInt64 = 50_000_000) {
        self.signal = signal
        self.clock = clock
        self.tickNanos = tickNanos
    }

    public var outputCount: Int { signal.outputCount }

    public func start() {
        guard thread == nil else { return }
        thread = OSThread(name: "alarm-out") { [self] in
            while !stopFlag.load(ordering: .acquiring) {
                bell.wait(timeoutNanos: tickNanos)
                let at = latest.exchange(0, ordering: .acquiringAndReleasing)
                if at != 0 { signal.alarm(now: at) }
                signal.tick(now: clock.nanoseconds())
                turnCount.add(1, ordering: .releasing)
            }
        }
    }

    /// Completed turns of the thread: a test that moved its clock waits for two more turns to
    /// know the thread has looked at the new time.
    public var turns: Int { turnCount.load(ordering: .acquiring) }

    /// An alarm at `now` (monotonic ns): outputs on, held `holdNanos` from then.
    public func alarm(at now: UInt64) {
        var seen = latest.load(ordering: .relaxed)
        while now > seen {
            let (done, current) = latest.compareExchange(expected: seen, desired: now, ordering: .acquiringAndReleasing)
            if done { break }
            seen = current
        }
        bell.ring()
    }

    /// Stops the thread (outputs stay as they are: a pulsed output ends by itself).
    public func stop() {
        stopFlag.store(true, ordering: .releasing)
        bell.ring()
        thread?.join()
        thread = nil
    }

    deinit { stop() }
}
