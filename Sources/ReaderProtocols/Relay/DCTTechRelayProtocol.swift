/// The DCTTECH "USBRelayN" boards (V-USB, 16c0:05df): HID feature reports of 8 bytes, report
/// ID 0, over control transfers. Pure: builds and parses the reports; no I/O.
///
///     SET_REPORT  21 09 0003 0000 0800 + FF n 00…  relay n on   (n = 1…8)
///                                      FD n 00…  relay n off
///                                      FE 00…    all on,  FC 00… all off
///     GET_REPORT  A1 01 0003 0000 0800 → serial(5 ASCII) 00 00 state-bitmask (bit k = relay k+1)
///
/// `FA` (set the board's serial) is deliberately not offered: a gate never rewrites it.
public enum DCTTechRelayProtocol {
    public static let reportLength = 8
    /// bmRequestType, bRequest, wValue, wIndex of the two control transfers.
    public static let setReport: (UInt8, UInt8, UInt16, UInt16) = (0x21, 0x09, 0x0300, 0)
    public static let getReport: (UInt8, UInt8, UInt16, UInt16) = (0xA1, 0x01, 0x0300, 0)

    public enum Command: Equatable, Sendable {
        case on(UInt8), off(UInt8), allOn, allOff
    }

    public struct State: Equatable, Sendable {
        public var serial: String
        /// Bit k set: relay k+1 is on.
        public var mask: UInt8
        public init(serial: String, mask: UInt8) { self.serial = serial; self.mask = mask }
        public func isOn(_ relay: UInt8) -> Bool { relay >= 1 && relay <= 8 && mask & (1 << (relay - 1)) != 0 }
    }

    public struct ParseError: Error, Equatable, Sendable, CustomStringConvertible {
        public let reason: String
        public var description: String { "USB relay report: \(reason)" }
    }

    /// The 8-byte SET_REPORT payload for `command`. Relay numbers outside 1…8 are refused.
    public static func report(_ command: Command) throws(ParseError) -> [UInt8] {
        var r = [UInt8](repeating: 0, count: reportLength)
        switch command {
        case .on(let n), .off(let n):
            guard (1...8).contains(n) else { throw ParseError(reason: "relay \(n) does not exist (1...8)") }
            r[0] = { if case .on = command { return 0xFF } else { return 0xFD } }()
            r[1] = n
        case .allOn: r[0] = 0xFE
        case .allOff: r[0] = 0xFC
        }
        return r
    }

    /// What a SET_REPORT payload asks for (the emulator's side); nil for anything else.
    public static func parseCommand(_ bytes: UnsafeRawBufferPointer) -> Command? {
        guard bytes.count >= 2 else { return nil }
        switch bytes[0] {
        case 0xFF where (1...8).contains(bytes[1]): return .on(bytes[1])
        case 0xFD where (1...8).contains(bytes[1]): return .off(bytes[1])
        case 0xFE: return .allOn
        case 0xFC: return .allOff
        default: return nil
        }
    }

    /// Parses a GET_REPORT answer. The serial is 5 printable ASCII bytes (NULs end it early).
    public static func parseState(_ bytes: UnsafeRawBufferPointer) throws(ParseError) -> State {
        guard bytes.count == reportLength else { throw ParseError(reason: "state report must be 8 bytes, got \(bytes.count)") }
        var serial = ""
        for i in 0..<5 {
            let b = bytes[i]
            if b == 0 { break }
            guard b >= 0x20 && b < 0x7F else { throw ParseError(reason: "serial byte \(i) is 0x\(hex2(b)), not printable") }
            serial.unicodeScalars.append(Unicode.Scalar(b))
        }
        return State(serial: serial, mask: bytes[7])
    }

    /// Applies a command to a state mask (the board's behaviour; `channels` relays exist).
    public static func apply(_ command: Command, to mask: UInt8, channels: Int) -> UInt8 {
        let all: UInt8 = channels >= 8 ? 0xFF : UInt8((1 << channels) - 1)
        switch command {
        case .on(let n): return Int(n) <= channels ? mask | (1 << (n - 1)) : mask
        case .off(let n): return Int(n) <= channels ? mask & ~(1 << (n - 1)) : mask
        case .allOn: return all
        case .allOff: return 0
        }
    }
}
