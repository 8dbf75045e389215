import Station
import StationCore
import Synchronization
import TagRing

/// The station's unattended behaviour (`[station.autopilot]`): a patron card with items on
/// the pad checks them out; items alone, left for a while, are returned. Each pad layout is
/// worked once: the pad must change before the autopilot acts again.
final class AutopilotDriver: Sendable {
    let autopilot: Autopilot
    let pad: PadReader
    let clock: any MonotonicClock
    private let seen = Mutex<(generation: UInt64, since: UInt64, done: Bool)>((0, 0, true))

    init(autopilot: Autopilot, pad: PadReader, clock: any MonotonicClock) {
        self.autopilot = autopilot
        self.pad = pad
        self.clock = clock
    }

    func step(desk: StationDesk) async {
        guard autopilot.checkoutWithCard || autopilot.returnAfterNanos != nil else { return }
        let generation = pad.generation, now = clock.nanoseconds()
        let ready: Bool = seen.withLock { s in
            if s.generation != generation { s = (generation, now, false) }
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
