import TagRing

/// What a reader thread needs from a reader driver (FEIG, LLRP, ...): run one inventory and
/// hand every read over. Implementations are owned by one thread and allocation-free in steady
/// state; errors say what a technician should check.
public protocol InventoryDriver: AnyObject {
    /// The wire the reader is on, for logs ("usb 0ab1:0002 bus 1 dev 5", "tcp 10.0.0.5:10001").
    var label: String { get }
    var stats: ReaderStats { get }
    /// Posted when a device this driver could re-attach to appears (USB hotplug); nil if the
    /// transport has no such events (TCP, emulators without hotplug).
    var reattach: ReattachSignal? { get }
    /// Runs one inventory over the configured antennas; returns the number of reads emitted.
    @discardableResult
    func inventoryCycle(_ emit: (borrowing TagRead) -> Void) throws(ReaderError) -> Int
    /// Releases the device or connection (the daemon is stopping).
    func shutdown()
}

extension ReaderError {
    /// A coarse class of the error: what a runner logs once per failure rather than per retry,
    /// and what a caller branches on (retry, tell the technician, give up on this tag).
    public enum Kind: Sendable, Equatable {
        /// The device went away (unplug, connection reset): wait for it to come back.
        case disconnected
        /// The device is there but not ours to open (udev rules, another program).
        case accessDenied
        /// Any other I/O failure on the wire.
        case io
        /// No answer in time.
        case timeout
        /// Bytes that are not the reader's protocol.
        case protocolViolation
        /// The reader understood and said no (no tag, unsupported command).
        case refused
    }

    public var kind: Kind {
        switch self {
        case .transport(.disconnected): .disconnected
        case .transport(.accessDenied): .accessDenied
        case .transport(.io): .io
        case .transport(.timedOut), .timeout: .timeout
        case .protocolError, .llrpProtocol: .protocolViolation
        case .refused: .refused
        }
    }
}
