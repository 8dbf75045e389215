import ReaderHub
import Readers
import StationCore

#if canImport(Dispatch)
import Dispatch
#endif

/// Sets a tag's security state through its reader's command mailbox and reads it back, so
/// the patron is told "done" only for a tag that really says so.
public struct TagSecurityWriter: Sendable {
    /// The AFI an item has in the library and on loan (the site's profile), and whether the
    /// NXP EAS bit is kept too (dp2-style sites).
    public struct Profile: Sendable, Equatable {
        public var securedAFI: UInt8
        public var unsecuredAFI: UInt8
        public var eas: Bool
        public init(securedAFI: UInt8 = 0x07, unsecuredAFI: UInt8 = 0xC2, eas: Bool = false) {
            self.securedAFI = securedAFI
            self.unsecuredAFI = unsecuredAFI
            self.eas = eas
        }
        public func afi(_ t: TagTarget) -> UInt8 { t == .secured ? securedAFI : unsecuredAFI }
    }

    public enum Failure: Error, Sendable, Equatable, CustomStringConvertible {
        /// The reader could not reach the tag (lifted off the pad, out of range).
        case notReached(String)
        /// The write was acknowledged but the tag reads back another value.
        case verifyMismatch(expected: UInt8, got: UInt8)
        /// The reader is down or cannot write.
        case readerUnavailable(String)

        public var description: String {
            switch self {
            case .notReached(let why): "the tag did not answer: \(why)"
            case .verifyMismatch(let e, let g): "the tag reads back AFI \(hex2(g)) after writing \(hex2(e))"
            case .readerUnavailable(let why): why
            }
        }
    }

    public let profile: Profile
    public let timeoutNanos: UInt64
    let commands: @Sendable (String) -> ReaderCommands?

    public init(profile: Profile, timeoutNanos: UInt64 = 2_000_000_000, commands: @escaping @Sendable (String) -> ReaderCommands?) {
        self.profile = profile
        self.timeoutNanos = timeoutNanos
        self.commands = commands
    }

    /// Writes `target` to the tag and verifies it. Runs the blocking mailbox call off the
    /// cooperative pool.
    public func set(_ target: TagTarget, on tag: PadTagID, reader: String) async throws(Failure) -> UInt8 {
        guard let mailbox = commands(reader) else { throw .readerUnavailable("no reader \(reader) to write through") }
        let profile = profile, timeout = timeoutNanos
        let result: Result<UInt8, Failure> = await withCheckedContinuation { done in
            DispatchQueue.global().async {
                done.resume(returning: Self.writeAndVerify(target, tag, mailbox: mailbox, profile: profile, timeoutNanos: timeout))
            }
        }
        return try result.get()
    }

    /// Reads the tag's AFI now (the mismatch check on a tag lying on the pad).
    public func readAFI(_ tag: PadTagID, reader: String) async -> UInt8? {
        guard let mailbox = commands(reader) else { return nil }
        let timeout = timeoutNanos
        return await withCheckedContinuation { done in
            DispatchQueue.global().async { done.resume(returning: try? mailbox.readAFI(at: Self.address(tag), timeoutNanos: timeout)) }
        }
    }

    static func address(_ id: PadTagID) -> TagAddress {
        switch id {
        case .hf(let uid): .hf(uid: uid)
        case .uhf(let epc, let pc): .uhf(epc: epc, pc: pc)
        }
    }

    static func writeAndVerify(
        _ target: TagTarget, _ tag: PadTagID, mailbox: ReaderCommands, profile: Profile, timeoutNanos: UInt64
    ) -> Result<UInt8, Failure> {
        let address = address(tag)
        let afi = profile.afi(target)
        do {
            try mailbox.write(.afi(afi), to: address, timeoutNanos: timeoutNanos)
            if profile.eas { try mailbox.write(.eas(target == .secured), to: address, timeoutNanos: timeoutNanos) }
            let got = try mailbox.readAFI(at: address, timeoutNanos: timeoutNanos)
            return got == afi ? .success(got) : .failure(.verifyMismatch(expected: afi, got: got))
        } catch {
            switch error {
            case .unavailable(_, let why): return .failure(.readerUnavailable(why))
            case .timedOut, .failed: return .failure(.notReached("\(error)"))
            }
        }
    }
}

func hex2(_ v: UInt8) -> String {
    let s = String(v, radix: 16, uppercase: true)
    return "0x" + (s.count == 1 ? "0" + s : s)
}
