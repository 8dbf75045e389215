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
    /// A coarse class of the error, so a runner can log a failure once rather than per retry.
    public var kind: Int {
        switch self {
        case .transport(.disconnected): 0
        case .transport(.accessDenied): 1
        case .transport(.io): 2
        case .transport(.timedOut), .timeout: 3
        case .protocolError, .llrpProtocol: 4
        case .refused: 5
        }
    }
}
