// The store's API speaks in the model's types (items, entries, rows); users of the store get
// them with `import Circulation`, as swift-nio's `NIO` re-exports `NIOCore`.
@_exported import CirculationModel
