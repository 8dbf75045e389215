/// The seam between a reader driver and the wire it talks over (libusb bulk endpoints, a TCP
/// socket, or an in-memory emulator). Drivers only ever see bytes, so the same driver code runs
/// against real hardware and the simulated gate.
///
/// A transport is used by exactly one reader thread at a time.
public protocol ReaderTransport: AnyObject {
    /// A short human label for logs: "usb 0ab1:0002 bus 1 dev 4", "tcp 10.0.0.5:10001", "sim feig-1".
    var label: String { get }
    /// Sends one complete request frame.
    func send(_ bytes: UnsafeRawBufferPointer) throws(TransportError)
    /// Waits up to `timeoutNanos` for bytes and copies what has arrived into `buffer`.
    /// Returns the number of bytes copied; 0 means the timeout passed with nothing received.
    /// A frame may arrive split over several calls, or several frames in one call.
    func receive(into buffer: UnsafeMutableRawBufferPointer, timeoutNanos: UInt64) throws(TransportError) -> Int
    /// Releases the device or socket. Further calls throw `.disconnected`.
    func close()
}

/// Why a transport call failed, with what a technician should do about it.
public enum TransportError: Error, Equatable, Sendable, CustomStringConvertible {
    /// The device was unplugged or the connection dropped.
    case disconnected(String)
    /// The OS refused access (permissions, device busy).
    case accessDenied(String)
    /// Any other I/O failure, with the underlying reason.
    case io(String)
    /// A transfer the device never completed (it stopped taking data; a hung reader).
    case timedOut(String)

    public var description: String {
        switch self {
        case .disconnected(let why): "reader disconnected: \(why)"
        case .accessDenied(let why): "reader access denied: \(why)"
        case .io(let why): "reader I/O error: \(why)"
        case .timedOut(let why): "reader stopped responding: \(why)"
        }
    }
}
