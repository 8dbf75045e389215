import KioskCore
import Synchronization

/// The gate's staff screen model: the daemon feeds it alarms and visitor counts, it keeps the
/// newest alarms and sends the whole view to every connected page on each change.
public final class GateScreen: Sendable {
    public let broadcast = Broadcast()
    private let state: Mutex<GateView>

    public init(language: KioskLanguage) { state = Mutex(GateView(language: language)) }

    public var view: GateView { state.withLock { $0 } }

    /// Replaces the whole view (the feed reads it from the event log); pages hear of changes.
    public func replace(alarmsToday: Int, visitorsHour: GateView.Visitors, visitorsToday: GateView.Visitors, alarms: [GateView.Alarm]) {
        let v = state.withLock { v -> GateView? in
            var next = v
            next.alarmsToday = alarmsToday
            next.visitorsHour = visitorsHour
            next.visitorsToday = visitorsToday
            next.alarms = Array(alarms.prefix(GateView.alarmLimit))
            guard next != v else { return nil }
            next.revision += 1
            v = next
            return next
        }
        if let v, let json = try? KioskJSON.encode(v) { broadcast.send(json) }
    }
}
