import Synchronization

/// A transport that survives its device: when the wire reports a disconnect (USB unplug, TCP
/// reset) it drops the inner transport, and the next `send` opens a new one through `open`.
/// The driver above keeps its state and the reader's ring stays where it is; the reader
/// runner's backoff decides how often a missing device is looked for, and `reattach` (posted by
/// USB hotplug) cuts that wait short when a matching device arrives.
public final class ReconnectingTransport: ReaderTransport, @unchecked Sendable {
    public typealias Opener = () throws(TransportError) -> any ReaderTransport

    /// What to call the reader while nothing is attached ("usb 0ab1:0002 serial 12345").
    public let configuredLabel: String
    public let reattach: ReattachSignal?
    private let open: Opener
    private var inner: (any ReaderTransport)?
    private let lock = Mutex(())
    private var _lastError: TransportError?
    private var _opens = 0
    private var closed = false

    public init(label: String, reattach: ReattachSignal? = nil, open: @escaping Opener) {
        self.configuredLabel = label
        self.reattach = reattach
        self.open = open
    }

    /// The attached device's own label while connected, the configured one otherwise.
    public var label: String { lock.withLock { _ in inner?.label ?? configuredLabel } }
    public var isConnected: Bool { lock.withLock { _ in inner != nil } }
    /// Why the last open or exchange failed (for `rfidgatectl readers`).
    public var lastError: TransportError? { lock.withLock { _ in _lastError } }
    /// How many times a device was opened (1 after the first successful exchange).
    public var opens: Int { lock.withLock { _ in _opens } }

    /// Opens the device now if it is not open (send() does this by itself).
    public func connect() throws(TransportError) {
        if closed { throw .disconnected("\(configuredLabel) is closed") }
        if lock.withLock({ _ in inner != nil }) { return }
        let t: any ReaderTransport
        do { t = try open() } catch {
            lock.withLock { _ in _lastError = error }
            throw error
        }
        lock.withLock { _ in
            inner = t; _opens += 1; _lastError = nil
        }
    }

    public func send(_ bytes: UnsafeRawBufferPointer) throws(TransportError) {
        try connect()
        guard let t = lock.withLock({ _ in inner }) else { throw .disconnected("\(configuredLabel) is closed") }
        do { try t.send(bytes) } catch { drop(t, error); throw error }
    }

    public func receive(into buffer: UnsafeMutableRawBufferPointer, timeoutNanos: UInt64) throws(TransportError) -> Int {
        guard let t = lock.withLock({ _ in inner }) else { throw .disconnected("\(configuredLabel): not connected") }
        do { return try t.receive(into: buffer, timeoutNanos: timeoutNanos) } catch { drop(t, error); throw error }
    }

    /// Forgets the current device on a disconnect (or a hung device), so the next send reopens.
    private func drop(_ t: any ReaderTransport, _ error: TransportError) {
        switch error {
        case .disconnected, .timedOut, .io:
            lock.withLock { _ in
                _lastError = error
                if inner === t { inner = nil }
            }
            t.close()
        case .accessDenied:
            lock.withLock { _ in _lastError = error }
        }
    }

    /// Drops the current connection (a broken stream) without closing for good: the next
    /// send or `connect()` opens a new one.
    public func reset() {
        let t = lock.withLock { (_) -> (any ReaderTransport)? in
            defer { inner = nil }; return inner
        }
        t?.close()
    }

    public func close() {
        let t = lock.withLock { (_) -> (any ReaderTransport)? in
            closed = true
            defer { inner = nil }
            return inner
        }
        t?.close()
    }
}
