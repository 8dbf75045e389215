import ControlProtocol
import Station
import StationCore

extension ControlEvent {
    /// The events stream's view of a desk event: sessions and item outcomes, never patron data
    /// (a welcome says a session started, not who). nil: nothing a technician follows.
    init?(_ event: StationEvent, at: Int64) {
        switch event {
        case .askPIN: self = .session(at: at, state: "pin")
        case .welcome: self = .session(at: at, state: "started")
        case .refused(let why): self = .session(at: at, state: "refused", reason: why)
        case .working(let mode, let items): self = .session(at: at, state: "working", mode: mode.rawValue, items: items)
        case .receipt: self = .session(at: at, state: "receipt")
        case .sessionEnded: self = .session(at: at, state: "ended")
        case .putBack(let item, let title): self = .stationItem(at: at, item: item, title: title, result: "put-back")
        case .tagFixed(let item, let afi): self = .stationItem(at: at, item: item, title: nil, result: "tag-fixed", afi: Int(afi))
        case .itemDone(let o):
            switch o.result {
            case .checkedOut(let due): self = .stationItem(at: at, item: o.item, title: o.title, result: "checked-out", due: due)
            case .renewed(let due): self = .stationItem(at: at, item: o.item, title: o.title, result: "renewed", due: due)
            case .checkedOutOffline(let due):
                self = .stationItem(at: at, item: o.item, title: o.title, result: "checked-out-offline", due: due)
            case .returned(let routing):
                self = .stationItem(at: at, item: o.item, title: o.title, result: "returned", reason: routing.map { $0.kind.rawValue })
            case .returnedNotOnLoan(let why):
                self = .stationItem(at: at, item: o.item, title: o.title, result: "returned-not-on-loan", reason: why)
            case .returnedOffline: self = .stationItem(at: at, item: o.item, title: o.title, result: "returned-offline")
            case .refused(let r):
                self = .stationItem(at: at, item: o.item, title: o.title, result: "refused", reason: r.code + ": " + r.text)
            case .cancelled(let why): self = .stationItem(at: at, item: o.item, title: o.title, result: "cancelled", reason: why)
            case .needsStaff(let why): self = .stationItem(at: at, item: o.item, title: o.title, result: "needs-staff", reason: why)
            }
        }
    }
}
