/// Why a reader operation failed; each case says what a technician can do.
public enum ReaderError: Error, Equatable, Sendable, CustomStringConvertible {
    case transport(TransportError)
    /// The reader did not answer in time (wrong port or baud rate, reader busy, cable).
    case timeout(command: String, millis: Int)
    /// The reader answered something we cannot understand.
    case protocolError(FeigParseError)

    public var description: String {
        switch self {
        case .transport(let e): e.description
        case .timeout(let command, let ms): "reader did not answer \(command) within \(ms) ms: check cable, power and address"
        case .protocolError(let e): e.description
        }
    }

    /// True when the device is gone and the transport must be reopened (hotplug, reconnect).
    public var isDisconnect: Bool {
        if case .transport(.disconnected) = self { return true }
        return false
    }
}
