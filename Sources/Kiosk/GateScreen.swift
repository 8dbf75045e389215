import KioskCore
import Synchronization

/// The gate's staff screen model: the daemon feeds it alarms and visitor counts, it keeps the
/// newest alarms and sends the whole view to every connected page on each change.
public final class GateScreen: Sendable {
    public let broadcast = Broadcast()
    private let state: Mutex<GateView>

    public init(language: KioskLanguage) { state = Mutex(GateView(language: language)) }

    public var view: GateView { state.withLock { $0 } }

    /// Replaces the counts and appends alarms (newest first on screen).
    public func update(
        alarmsToday: Int? = nil, visitorsHour: GateView.Visitors? = nil, visitorsToday: GateView.Visitors? = nil,
        newAlarms: [GateView.Alarm] = []
    ) {
        let v = state.withLock { v -> GateView? in
            var next = v
            if let alarmsToday { next.alarmsToday = alarmsToday }
            if let visitorsHour { next.visitorsHour = visitorsHour }
            if let visitorsToday { next.visitorsToday = visitorsToday }
            if !newAlarms.isEmpty { next.alarms = Array((newAlarms.reversed() + next.alarms).prefix(GateView.alarmLimit)) }
            guard next != v else { return nil }
            next.revision += 1
            v = next
            return next
        }
        if let v, let json = try? KioskJSON.encode(v) { broadcast.send(json) }
    }
}
