/// How a patron card laid on the pad (type of usage class 8) becomes a patron id for the ILS:
/// by default the card's primary item identifier is the patron barcode; sites whose cards
/// carry only a UID list them in `byUID` (hex UID → patron id).
public struct PatronCardMapping: Sendable, Equatable {
    public enum Source: String, Sendable, CaseIterable { case pii, uid }
    public var source: Source
    public var byUID: [String: String]

    public init(source: Source = .pii, byUID: [String: String] = [:]) {
        self.source = source
        // UIDs are compared as upper-case hex, however the site wrote them.
        self.byUID = Dictionary(byUID.map { ($0.key.uppercased(), $0.value) }, uniquingKeysWith: { a, _ in a })
    }

    public func patron(for card: PadTag) -> String? {
        let uid: String? =
            switch card.id {
            case .hf(let v): hex(v, width: 16)
            case .uhf(let epc, _): epc.map { hex(UInt64($0), width: 2) }.joined()
            }
        if let uid, let mapped = byUID[uid] { return mapped }
        switch source {
        case .pii: return card.pii
        case .uid: return uid
        }
    }
}
