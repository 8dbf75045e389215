import ReaderProtocols

/// Why a reader operation failed; each case says what a technician can do.
public enum ReaderError: Error, Equatable, Sendable, CustomStringConvertible {
    case transport(TransportError)
    /// The reader did not answer in time (wrong port or baud rate, reader busy, cable).
    case timeout(command: String, millis: Int)
    /// The reader answered something we cannot understand.
    case protocolError(FeigParseError)
    /// An LLRP reader sent bytes that are not LLRP (or a message we cannot parse).
    case llrpProtocol(LLRPParseError)
    /// The reader understood a command and refused it, in its own words.
    case refused(command: String, reason: String)

    public var description: String {
        switch self {
        case .transport(let e): e.description
        case .timeout(let command, let ms): "reader did not answer \(command) within \(ms) ms: check cable, power and address"
        case .protocolError(let e): e.description
        case .llrpProtocol(let e): e.description
        case .refused(let command, let reason): "reader refused \(command): \(reason)"
        }
    }

    /// True when the device is gone and the transport must be reopened (hotplug, reconnect).
    public var isDisconnect: Bool {
        if case .transport(.disconnected) = self { return true }
        return false
    }
}
