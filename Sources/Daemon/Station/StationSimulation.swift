import Gate
import ILSSimulator
import ISO28560
import Kiosk
import ReaderEmulators
import ReaderHub
import Station
import StationCore
import Synchronization

/// The embedded station: a pad the simulated patrons lay stacks on (an emulated FEIG field
/// whose tags can be written), the simulated ILS over loopback, and patrons who check out,
/// renew and return. At the end it counts tags whose security state disagrees with the ILS.
final class StationSimulation: Sendable {
    let ils: SimulatedILS
    let pad: SimulatedPad
    let catalog: SimulatedCatalog
    /// Every item's tags (a set has one per part) and every patron's card.
    let itemTags: [String: [EmulatedTag]]
    let cards: [String: EmulatedTag]
    let seed: UInt64
    /// The simulated patrons step aside while this says a person is at the screen.
    let screenInUse: @Sendable () -> Bool

    var world: SimulatedWorld { pad.world }

    init(ils: SimulatedILS, catalog: SimulatedCatalog, seed: UInt64, screenInUse: @escaping @Sendable () -> Bool) throws {
        self.ils = ils
        self.screenInUse = screenInUse
        self.catalog = catalog
        self.seed = seed
        var tags: [String: [EmulatedTag]] = [:]
        var n: UInt64 = 0
        let state = ils.snapshot()
        for item in catalog.items {
            let charged = state[item.id]?.patron != nil
            let usage: UInt8 = item.status == .notForLoan ? 0x20 : 0x10
            let parts = max(1, item.partsInItem)
            tags[item.id] = try (1...parts).map { part in
                n += 1
                let set = parts > 1 ? SimulatedPad.two(parts) + SimulatedPad.two(part) : nil
                return try SimulatedPad.tag(
                    uid: 0xE004_0150_5000_0000 | n,
                    record: ItemRecord(primaryItemIdentifier: item.id, setInformation: set, typeOfUsage: usage),
                    afi: charged ? 0xC2 : 0x07)
            }
        }
        var cards: [String: EmulatedTag] = [:]
        for p in catalog.patrons {
            n += 1
            cards[p.id] = try SimulatedPad.tag(
                uid: 0xE004_0150_5000_0000 | n, record: ItemRecord(primaryItemIdentifier: p.id, typeOfUsage: 0x81), afi: 0xC2)
        }
        itemTags = tags
        self.cards = cards
        var entries = catalog.items.map { item -> SimCatalogEntry in
            let kind =
                switch item.status {
                case .available: item.holdFor != nil ? "on-hold" : "item"
                case .notForLoan: "reference"
                case .lost: "lost"
                case .charged: "on-loan"
                }
            return SimCatalogEntry(item: item.id, title: item.title, parts: max(1, item.partsInItem), kind: kind)
        }
        entries += catalog.patrons.map { SimCatalogEntry(item: $0.id, title: $0.name, parts: 1, kind: "patron-card") }
        pad = SimulatedPad(items: tags, cards: cards, catalog: entries)
    }

    /// The tag as it is now, on the pad or off it.
    func current(_ uid: UInt64) -> EmulatedTag? { pad.current(uid) }

    /// Tags whose AFI disagrees with the ILS (charged ⇔ unsecured), where the ILS's state is
    /// taken with the outbox's still-queued offline loans and returns applied in order: those
    /// are promises the sync keeps once the ILS is back.
    func tagMismatches(securedAFI: UInt8, unsecuredAFI: UInt8, queued: [(item: String, checkout: Bool)]) -> Int {
        let state = ils.snapshot()
        var charged = Set(state.filter { $0.value.patron != nil }.map(\.key))
        for q in queued {
            if q.checkout { charged.insert(q.item) } else { charged.remove(q.item) }
        }
        var bad = 0
        for (id, tags) in itemTags {
            let want = charged.contains(id) ? unsecuredAFI : securedAFI
            for t in tags where current(t.uid)?.afi != want { bad += 1 }
        }
        return bad
    }

    /// Visits until cancelled: a patron lays a stack (now and then with a part missing, a
    /// reference copy, a lost book or one they already have), identifies, checks out, takes
    /// the stack; or brings items back and returns them.
    func run(desk: StationDesk, pad: PadReader, visitsPerMinute: Double) async {
        var rng = SplitMix64(seed: seed)
        let pause = Duration.milliseconds(Int(60_000 / visitsPerMinute))
        var visit = 0
        while !Task.isCancelled {
            if screenInUse() {
                // Someone is trying the station in a browser: the pad and the ILS are theirs.
                ils.setReachable(true)
                try? await Task.sleep(for: .milliseconds(500))
                continue
            }
            // Now and then the ILS goes away for a few visits: the station lends offline
            // within its limits and the sync replays the loans when the ILS is back.
            visit += 1
            ils.setReachable(visit % 10 < 7)
            let state = ils.snapshot()
            let borrowers = catalog.patrons.filter { p in state.values.contains { $0.patron == p.id } }
            if !borrowers.isEmpty, rng.unit() < 0.4 {
                let p = borrowers[rng.below(borrowers.count)]
                let mine = state.filter { $0.value.patron == p.id }.map(\.key).sorted()
                await returnVisit(Array(mine.prefix(5)), desk: desk, pad: pad)
            } else {
                await checkoutVisit(state: state, desk: desk, pad: pad, rng: &rng)
            }
            try? await Task.sleep(for: pause)
        }
        ils.setReachable(true)
    }

    private func checkoutVisit(state: [String: SimulatedItemState], desk: StationDesk, pad: PadReader, rng: inout SplitMix64) async {
        let patron = catalog.patrons[rng.below(catalog.patrons.count)]
        let onShelf = catalog.items.filter { state[$0.id]?.patron == nil && $0.partsInItem <= 1 && $0.status == .available }.map(\.id)
        var stack = Array(onShelf.shuffled(using: &rng).prefix(2 + rng.below(4)))
        var tags = stack.flatMap { itemTags[$0] ?? [] }
        if rng.unit() < 0.3, let set = catalog.items.first(where: { $0.partsInItem > 1 }), state[set.id]?.patron == nil {
            var parts = itemTags[set.id] ?? []
            if rng.unit() < 0.5 { parts.removeLast() }  // disc 3 left at home
            tags += parts
            stack.append(set.id)
        }
        if rng.unit() < 0.3, let own = state.filter({ $0.value.patron == patron.id }).map(\.key).sorted().first {
            tags += itemTags[own] ?? []  // brought back to the station to renew it
            stack.append(own)
        }
        if rng.unit() < 0.2, let odd = catalog.items.filter({ $0.status != .available }).randomElement(using: &rng) {
            tags += itemTags[odd.id] ?? []
            stack.append(odd.id)
        }
        guard !tags.isEmpty else { return }
        await lay(tags, pad: pad)
        var step = await desk.presentCard(patron.id)
        if case .askPIN = step, let pin = patron.pin { step = await desk.enterPIN(pin) }
        if case .welcome = step { _ = await desk.checkout() }
        await desk.endSession()
        await lift(tags, pad: pad)
    }

    private func returnVisit(_ items: [String], desk: StationDesk, pad: PadReader) async {
        let tags = items.flatMap { itemTags[$0] ?? [] }
        guard !tags.isEmpty else { return }
        await lay(tags, pad: pad)
        _ = await desk.checkin()
        await desk.endSession()
        await lift(tags, pad: pad)
    }

    private func lay(_ tags: [EmulatedTag], pad _: PadReader) async { await pad.place(tags) }

    private func lift(_ tags: [EmulatedTag], pad _: PadReader) async { await pad.lift(tags) }
}

extension SplitMix64 {
    /// Uniform in 0..<n (0 when n <= 1).
    mutating func below(_ n: Int) -> Int { n <= 1 ? 0 : Int(next() % UInt64(n)) }
}
