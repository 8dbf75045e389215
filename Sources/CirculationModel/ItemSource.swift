/// Where an item's record came from (`items.source`).
public enum ItemSource: String, Sendable, CaseIterable {
    /// `rfidgatectl cache import`.
    case `import`
    /// A loan or return at a self-checkout station on this box.
    case station
    /// Delivered by the SIP2 sync.
    case sync
    /// `rfidgatectl cache set`.
    case manual
    /// The simulated gate's collection.
    case simulation
}
