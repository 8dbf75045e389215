import SIP2

/// Why a SIP2 exchange failed, with what to do. `outcomeUnknown` tells whether the request may
/// have reached the ACS (then a checkout must be checked with item information before resending).
public enum SIP2ClientError: Error, Sendable, Equatable, CustomStringConvertible {
    case connectFailed(endpoint: String, reason: String)
    case tlsFailed(endpoint: String, reason: String)
    case loginRefused(user: String)
    /// The ACS did not answer in time. The request was sent: outcome unknown.
    case timeout(command: String, seconds: Double)
    /// The connection closed; `sent` says whether the request had gone out.
    case connectionClosed(command: String, sent: Bool)
    /// The ACS kept answering 96 (it could not read our frame, or uses 96 for "bad request").
    case resendLimit(command: String, resends: Int)
    /// The ACS's answer kept failing its checksum after 97.
    case badChecksum(command: String)
    case encode(SIP2EncodeError)
    /// Reconnecting is paused after failures; try again after the given seconds.
    case backingOff(seconds: Double, lastError: String)
    /// The answer did not have the expected command code.
    case unexpectedResponse(command: String, got: String)

    public var outcomeUnknown: Bool {
        switch self {
        case .timeout, .resendLimit, .badChecksum: return true
        case .connectionClosed(_, let sent): return sent
        default: return false
        }
    }

    public var description: String {
        switch self {
        case .connectFailed(let e, let r):
            return "cannot connect to the ILS at \(e): \(r) (check sip2.server, the network, or whether the ILS's SIP2 server runs)"
        case .tlsFailed(let e, let r): return "TLS to \(e) failed: \(r) (check sip2.tls_ca_file and sip2.tls_server_name)"
        case .loginRefused(let u): return "the ILS refused the SIP2 login \"\(u)\" (94 ok=0): check sip2.login and sip2.password"
        case .timeout(let c, let s): return "no answer to \(c) within \(s) s; the ILS may or may not have applied it"
        case .connectionClosed(let c, let sent): return "the ILS closed the connection \(sent ? "after" : "before") \(c) was sent"
        case .resendLimit(let c, let n): return "the ILS answered 96 (resend) \(n) times to \(c); it probably rejects the request itself"
        case .badChecksum(let c):
            return "the ILS's answers to \(c) kept failing the AZ checksum; check sip2.charset and sip2.error_detection"
        case .encode(let e): return e.description
        case .backingOff(let s, let last): return "not reconnecting for another \(Int(s.rounded(.up))) s after: \(last)"
        case .unexpectedResponse(let c, let g): return "the ILS answered \(c) with \(g)"
        }
    }
}
