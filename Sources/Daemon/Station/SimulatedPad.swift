import Gate
import ISO28560
import Kiosk
import ReaderEmulators
import ReaderHub
import Station
import Synchronization

/// The simulated station's pad: an emulated FEIG field whose tags can be written, and every
/// tag the simulation knows, on the pad or off it (with what was last written to it). The
/// simulated patrons and the kiosk API (`/api/sim/*`) lay items on it and take them off; a
/// browser can try a whole checkout with no hardware.
final class SimulatedPad: PadSimulating, Sendable {
    let field: StaticTagField
    /// The pad reader looking at the field (attached once the hub exists).
    private let reader = Mutex<PadReader?>(nil)
    private struct State {
        var items: [String: [EmulatedTag]] = [:]
        /// Item → tags, for the items and patron cards made on request.
        var offPad: [UInt64: EmulatedTag] = [:]
        var onPad: Set<UInt64> = []
        var patronCards: Set<String> = []
        var nextUID: UInt64 = 0xE004_0150_6000_0000
    }
    private let state = Mutex(State())
    private let entries: [SimCatalogEntry]

    /// `tags`: the catalogue's items (a set has one tag per part) and patron cards.
    init(
        field: StaticTagField = StaticTagField(), items: [String: [EmulatedTag]] = [:], cards: [String: EmulatedTag] = [:],
        catalog: [SimCatalogEntry] = []
    ) {
        self.field = field
        entries = catalog
        state.withLock { s in
            s.items = items
            for (id, card) in cards {
                s.items[id] = [card]
                s.patronCards.insert(id)
            }
            for t in s.items.values.flatMap({ $0 }) { s.offPad[t.uid] = t }
        }
    }

    func attach(_ pad: PadReader) { reader.withLock { $0 = pad } }

    var world: SimulatedWorld { SimulatedWorld(field: field, beamInputs: { _, _, _ in 0 }) }

    /// The simulation's catalogue, then every item made on request (so a page in front of a
    /// real ILS lists what a test or a person has laid).
    func catalog() -> [SimCatalogEntry] {
        let known = Set(entries.map(\.item))
        let made = state.withLock { s in
            s.items.keys.filter { !known.contains($0) }.sorted().map { id in
                SimCatalogEntry(
                    item: id, title: nil, parts: s.items[id]?.count ?? 1, kind: s.patronCards.contains(id) ? "patron-card" : "item")
            }
        }
        return entries + made
    }

    private func seen(_ uid: UInt64) -> Bool { reader.withLock { $0 }?.tag(.hf(uid)) != nil }

    /// The tag as it is now, on the pad or off it.
    func current(_ uid: UInt64) -> EmulatedTag? { field.tag(uid: uid) ?? state.withLock { $0.offPad[uid] } }

    func tags(of item: String) -> [EmulatedTag] { state.withLock { $0.items[item] ?? [] } }

    func tags() -> [SimTag] {
        let s = state.withLock { $0 }
        return s.items.keys.sorted().flatMap { id in
            (s.items[id] ?? []).enumerated().map { i, t in
                let now = field.tag(uid: t.uid) ?? s.offPad[t.uid] ?? t
                return SimTag(
                    uid: hex64(t.uid), item: id, part: i + 1, parts: s.items[id]?.count ?? 1, afi: Int(now.afi),
                    onPad: s.onPad.contains(t.uid),
                    patronCard: s.patronCards.contains(id))
            }
        }
    }

    struct LayError: Error, CustomStringConvertible {
        let description: String
    }

    func lay(_ items: [SimItem]) async throws -> [SimTag] {
        var chosen: [EmulatedTag] = []
        for item in items {
            let tags = try tagsFor(item)
            for (i, t) in tags.enumerated() where !item.missing.contains(i + 1) { chosen.append(t) }
        }
        await place(chosen)
        return tags().filter(\.onPad)
    }

    func clear() async -> [SimTag] {
        await lift(state.withLock { s in s.onPad.compactMap { uid in self.current(uid) } })
        return tags().filter(\.onPad)
    }

    /// The item's tags, made the first time it is asked for: one per part, part 3 data
    /// (PII, set information, type of usage, title) on an NXP ICODE SLIX2-sized memory.
    private func tagsFor(_ item: SimItem) throws -> [EmulatedTag] {
        if let known = state.withLock({ $0.items[item.item] }) {
            guard known.count == item.parts || item.parts == 1 else {
                throw LayError(description: "\(item.item) already has \(known.count) tags, not \(item.parts)")
            }
            return known
        }
        let usage: UInt8 = item.patronCard ? 0x81 : item.forLoan ? 0x10 : 0x20
        var made: [EmulatedTag] = []
        for part in 1...item.parts {
            let set = item.parts > 1 ? Self.two(item.parts) + Self.two(part) : nil
            let record = ItemRecord(
                primaryItemIdentifier: item.item, setInformation: set, typeOfUsage: usage,
                title: item.title.flatMap { $0.isEmpty ? nil : $0 })
            let uid = state.withLock { s in
                s.nextUID += 1
                return s.nextUID
            }
            made.append(try Self.tag(uid: uid, record: record, afi: item.patronCard ? 0xC2 : 0x07))
        }
        return state.withLock { s in
            if let raced = s.items[item.item] { return raced }
            s.items[item.item] = made
            if item.patronCard { s.patronCards.insert(item.item) }
            for t in made { s.offPad[t.uid] = t }
            return made
        }
    }

    static func tag(uid: UInt64, record: ItemRecord, afi: UInt8) throws -> EmulatedTag {
        let memory = try Part3.encode(record)
        guard memory.count <= 112 else { throw LayError(description: "the item's data does not fit a 112-byte tag") }
        return EmulatedTag(uid: uid, dsfid: 0x00, afi: afi, memory: memory + [UInt8](repeating: 0, count: 112 - memory.count))
    }

    /// Lays tags on the pad and waits (bounded) until the pad reader sees them all.
    func place(_ tags: [EmulatedTag]) async {
        for t in tags {
            let now = state.withLock { s in
                s.onPad.insert(t.uid)
                return s.offPad.removeValue(forKey: t.uid)
            }
            field.place(now ?? field.tag(uid: t.uid) ?? t, antennas: [1])
        }
        await waitFor { tags.allSatisfy { self.seen($0.uid) } }
    }

    /// Takes tags off the pad (keeping what was written to them) and waits (bounded) until the
    /// pad reader let them go.
    func lift(_ tags: [EmulatedTag]) async {
        for t in tags {
            guard let now = field.tag(uid: t.uid) else { continue }
            state.withLock { s in
                s.offPad[t.uid] = now
                s.onPad.remove(t.uid)
            }
            field.remove(uid: t.uid)
        }
        await waitFor { !tags.contains { self.seen($0.uid) } }
    }

    private func waitFor(_ done: () -> Bool) async {
        for _ in 0..<100 {
            if done() { return }
            try? await Task.sleep(for: .milliseconds(50))
        }
    }

    /// Two digits of ISO 28560 set information ("0301": part 1 of 3).
    static func two(_ v: Int) -> String { v < 10 ? "0\(v)" : "\(v)" }
}
