import Synchronization

/// People crossing the gate's light beam, counted per direction. Any input can feed it: a
/// reader's digital input (the readers' drivers), or the simulated gate. The daemon takes the
/// counts every few seconds and adds them to the quarter hour in the event log.
public final class VisitorBeam: Sendable {
    public enum Direction: Sendable { case entering, leaving }

    private let entering = Atomic<Int>(0)
    private let leaving = Atomic<Int>(0)

    public init() {}

    public func cross(_ direction: Direction, count: Int = 1) {
        switch direction {
        case .entering: entering.add(count, ordering: .relaxed)
        case .leaving: leaving.add(count, ordering: .relaxed)
        }
    }

    /// Takes the counts since the last call (and resets them).
    public func take() -> (entering: Int, leaving: Int) {
        (entering.exchange(0, ordering: .relaxed), leaving.exchange(0, ordering: .relaxed))
    }

    /// Puts counts back (when they could not be stored), so none are lost.
    public func giveBack(entering e: Int, leaving l: Int) {
        entering.add(e, ordering: .relaxed)
        leaving.add(l, ordering: .relaxed)
    }
}
