import Station
import StationCore
import Synchronization
import TagRing

/// The station's unattended behaviour (`[station.autopilot]`): a patron card with items on
/// the pad checks them out; items alone, left for a while, are returned. Each pad layout is
/// worked once: the pad must change before the autopilot acts again. A layout is which tags
/// lie there, not their security state: the desk's own AFI writes do not make the stack it
/// just worked a new one (it would be renewed right after its checkout, returned twice).
final class AutopilotDriver: Sendable {
    let autopilot: Autopilot
    let pad: PadReader
    let clock: any MonotonicClock
    private let seen = Mutex<(layout: [String], since: UInt64, done: Bool)>(([], 0, true))

    init(autopilot: Autopilot, pad: PadReader, clock: any MonotonicClock) {
        self.autopilot = autopilot
        self.pad = pad
        self.clock = clock
    }

    func step(desk: StationDesk) async {
        guard autopilot.checkoutWithCard || autopilot.returnAfterNanos != nil else { return }
        let layout = Self.layout(pad.tracker), now = clock.nanoseconds()
        let ready: Bool = seen.withLock { s in
            if s.layout != layout { s = (layout, now, false) }
            // Let the stack settle (a pile is read over several cycles) before acting.
            return !s.done && now - s.since >= 1_000_000_000
        }
        guard ready else { return }
        let contents = pad.contents
        guard !contents.items.isEmpty, await desk.isIdleOrDone else { return }
        if autopilot.checkoutWithCard, !contents.patronCards.isEmpty {
            seen.withLock { $0.done = true }
            if case .welcome = await desk.identifyFromPad() { _ = await desk.checkout() }
            await desk.endSession()
        } else if contents.patronCards.isEmpty, let wait = autopilot.returnAfterNanos,
            now - seen.withLock({ $0.since }) >= wait
        {
            seen.withLock { $0.done = true }
            _ = await desk.checkin()
            await desk.endSession()
        }
    }

    /// The tags on the pad and what they were read as, security state aside.
    static func layout(_ t: PadTracker) -> [String] { t.tags.map { "\($0.id) \($0.pii ?? $0.problem ?? "")" }.sorted() }
}

extension StationDesk {
    /// No patron mid-visit: the autopilot may start one.
    var isIdleOrDone: Bool {
        switch state {
        case .idle, .receipt: true
        default: false
        }
    }
}
