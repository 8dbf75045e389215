import SIP2Client

extension StationDesk {
    /// Titles for items on the pad whose tags carry none (most tags hold only the PII): from
    /// the store (imports) first, else the ILS's item information (17), remembered per item.
    /// An item the ILS cannot name is not asked about again.
    public func titles(for items: [String]) async -> [String: String] {
        var out: [String: String] = [:]
        var ask: [String] = []
        for id in items {
            if let t = knownTitles[id] {
                if !t.isEmpty { out[id] = t }
            } else if let t = (try? store.item(id))??.title, !t.isEmpty {
                knownTitles[id] = t
                out[id] = t
            } else {
                ask.append(id)
            }
        }
        guard let ils, !ask.isEmpty else { return out }
        for id in ask.prefix(20) {
            let info = try? await ils.with { c throws(SIP2ClientError) in try await c.itemInformation(id) }
            let title = info?.title ?? ""
            // Remember a miss too (as ""): one question per item, not one per screen refresh.
            if knownTitles.count > 10_000 { knownTitles.removeAll() }
            knownTitles[id] = title
            if !title.isEmpty { out[id] = title }
        }
        return out
    }
}
