import Circulation
import CirculationModel
import Gate
import ISO28560
import Kiosk
import KioskCore
import Logging
import SIP2
import ServiceLifecycle

/// Feeds the gate's staff screen from the event log, the one record of alarms and visitors:
/// every 2 s it reads today's alarm count, the newest alarms with where the items stand, and
/// the visitor counts of this hour and today. Visitor counts reach the log every 10 s.
struct GateScreenFeed: Service {
    let screen: GateScreen
    let store: @Sendable () -> CirculationStore?
    let language: KioskLanguage
    let logger: Logger

    func run() async throws {
        try? await cancelWhenGracefulShutdown {
            var failing = false
            while !Task.isCancelled {
                if let store = store() {
                    do {
                        try update(from: store, nowMillis: unixMillisNow(), utcOffset: localUTCOffset())
                        failing = false
                    } catch {
                        if !failing { logger.warning("gate screen: cannot read the event log: \(error)") }
                        failing = true
                    }
                }
                try? await Task.sleep(for: .seconds(2))
            }
        }
    }

    func update(from store: CirculationStore, nowMillis: Int64, utcOffset: Int) throws(CirculationError) {
        let (day, hour) = LocalDay.boundaries(nowMillis: nowMillis, utcOffsetSeconds: utcOffset)
        let count = try store.alarmCount(since: day)
        let recent = try store.recentAlarms(since: day - 7 * 86_400_000, limit: GateView.alarmLimit)
        let buckets = try store.visitors(since: day)
        var today = GateView.Visitors(), thisHour = GateView.Visitors()
        for b in buckets {
            today.in += b.inCount
            today.out += b.outCount
            if b.start * 1000 >= hour {
                thisHour.in += b.inCount
                thisHour.out += b.outCount
            }
        }
        let alarms = recent.map { Self.alarm($0, utcOffset: utcOffset, language: language) }
        screen.replace(alarmsToday: count, visitorsHour: thisHour, visitorsToday: today, alarms: alarms)
    }

    /// One alarm for the screen; every text from tags or imports through `SafeText`.
    static func alarm(_ p: PlacedAlarm, utcOffset: Int, language: KioskLanguage) -> GateView.Alarm {
        let a = p.alarm
        let d = SIP2Date(unixSeconds: a.at / 1000, utcOffsetSeconds: utcOffset)
        func two(_ v: Int) -> String { v < 10 ? "0\(v)" : "\(v)" }
        let at = "\(d.isoDay) \(two(d.hour)):\(two(d.minute)):\(two(d.second))"
        let code = GateReason.allCases.first { "\($0)" == a.reason }.map(Self.code) ?? "other"
        var item = a.item.map { SafeText.display($0) } ?? ""
        if item.isEmpty { item = language == .zh ? "（无法读取的标签 \(a.tagUID)）" : "(unreadable tag \(a.tagUID))" }
        if a.parts > 1 { item += language == .zh ? "（第 \(a.part)/\(a.parts) 件）" : " (part \(a.part)/\(a.parts))" }
        return GateView.Alarm(
            at: at, item: item, title: a.title.map { SafeText.display($0) }, callNumber: p.callNumber.map { SafeText.display($0) },
            shelfLocation: p.shelfLocation.map { SafeText.display($0) }, reason: KioskText.sentence(a.reason, language),
            reasonCode: code, reader: SafeText.display(a.reader), antenna: a.antenna)
    }

    static func code(_ r: GateReason) -> String {
        switch r {
        case .checkedOut: "checked-out"
        case .secured: "secured"
        case .unknownSecurity: "unknown-security"
        case .undecodable: "undecodable"
        case .hotList: "hot-list"
        case .cacheOnLoan: "cache-on-loan"
        case .cacheInLibrary: "cache-in-library"
        case .consortiumItem: "consortium-item"
        case .foreignItem: "foreign-item"
        case .notForCirculation: "not-for-circulation"
        }
    }
}
