/// Why a frame could not be built. Each case says which field and what to do.
public enum SIP2EncodeError: Error, Equatable, Sendable, CustomStringConvertible {
    /// The value contains "|" or CR, which would end the field or the frame early.
    case forbiddenCharacter(field: String)
    /// The value is longer than SIP2's 255 bytes (after charset encoding).
    case tooLong(field: String, bytes: Int)
    /// The value has a character the configured charset cannot carry.
    case unencodable(field: String, charset: SIP2Charset)
    /// A field ID that is not two uppercase letters or digits.
    case invalidFieldID(String)
    /// A fixed field has the wrong width (a programming error in the caller's values).
    case fixedFieldWidth(name: String, expected: Int, got: Int)

    public var description: String {
        switch self {
        case .forbiddenCharacter(let f): return "SIP2 field \(f) contains '|' or CR; remove it (SIP2 cannot carry them)"
        case .tooLong(let f, let n): return "SIP2 field \(f) is \(n) bytes; SIP2 allows 255: shorten it"
        case .unencodable(let f, let c):
            return "SIP2 field \(f) has characters \(c.rawValue) cannot encode; set sip2.charset to what the ILS uses (e.g. utf-8)"
        case .invalidFieldID(let id): return "SIP2 field ID \"\(id)\" is not two uppercase letters or digits"
        case .fixedFieldWidth(let n, let e, let g): return "SIP2 fixed field \(n) must be \(e) characters, got \(g)"
        }
    }
}

/// Why a received frame could not be read.
public enum SIP2DecodeError: Error, Equatable, Sendable, CustomStringConvertible {
    case unknownCommand(String)
    case tooShort(command: String, expected: Int, got: Int)
    case unexpected(command: String, expected: String)

    public var description: String {
        switch self {
        case .unknownCommand(let c): return "SIP2 frame with unknown command \"\(c)\" (not a message this client uses)"
        case .tooShort(let c, let e, let g): return "SIP2 \(c) frame has \(g) bytes of fixed fields, \(e) expected"
        case .unexpected(let c, let e): return "SIP2 answer \(c) does not match the request (expected \(e))"
        }
    }
}
