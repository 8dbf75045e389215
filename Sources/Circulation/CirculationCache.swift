import Synchronization

/// The store and the gate's index together, as the daemon uses them: a cold start from the
/// file, writes that update both (loans at a station on this box, the sync), and following
/// what other processes (`rfidgatectl`) changed.
public final class CirculationCache: Sendable {
    public let store: CirculationStore
    public let index: GateIndex
    private struct Cursor { var seq: Int64 = 0; var generation: Int64 = 0 }
    private let cursor = Mutex(Cursor())

    public init(store: CirculationStore, index: GateIndex) {
        self.store = store
        self.index = index
    }

    /// Builds the index from the file (the gate serves lookups once this returns).
    @discardableResult
    public func coldStart() throws(CirculationError) -> IndexLoad {
        let load = try store.loadIndex(into: index)
        cursor.withLock { $0 = Cursor(seq: load.changeSeq, generation: load.generation) }
        return load
    }

    /// Writes items and updates the index once the transaction has committed.
    public func apply(_ updates: [ItemUpdate], source: ItemSource, at now: Int64 = unixMillisNow()) throws(CirculationError) {
        for (key, entry) in try store.upsert(updates, source: source, at: now, journal: false) { index.set(key, entry) }
    }

    public func addHot(_ pii: String, reason: String, note: String? = nil, at now: Int64 = unixMillisNow()) throws(CirculationError) {
        let (key, entry) = try store.addHot(pii, reason: reason, note: note, at: now, journal: false)
        index.set(key, entry)
    }

    public enum Followed: Equatable, Sendable {
        case nothing
        case changes(Int)
        /// An import finished: the whole index was rebuilt from the file.
        case reloaded(entries: Int)
    }

    /// Applies changes other processes made since the last call (cheap when there are none).
    public func follow() throws(CirculationError) -> Followed {
        let c = cursor.withLock { $0 }
        let (changes, last, generation) = try store.changes(after: c.seq)
        if generation != c.generation {
            let load = try coldStart()
            return .reloaded(entries: load.entries)
        }
        for ch in changes { index.set(ch.key, ch.entry) }
        cursor.withLock { $0.seq = last }
        return changes.isEmpty ? .nothing : .changes(changes.count)
    }
}
