import Synchronization

/// "A device this reader could use may have arrived": posted by the USB hotplug monitor (or a
/// test), watched by a reader thread that is waiting out its reconnect backoff. It lets an
/// unplugged reader come back within a moment of being plugged in, without polling fast.
public final class ReattachSignal: Sendable {
    private let generation = Atomic<UInt64>(0)

    public init() {}

    public func post() { generation.add(1, ordering: .releasing) }

    /// Changes every time `post()` is called.
    public var current: UInt64 { generation.load(ordering: .acquiring) }
}
