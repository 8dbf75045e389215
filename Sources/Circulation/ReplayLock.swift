#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

/// One replayer of the SIP2 outbox at a time, per store file: the daemon's sync service and
/// `rfidgatectl sync run` each hold this lock while they replay, so the same loan can never be
/// sent by both. It is an flock(2) on `<store>.replay-lock` beside the store: the kernel drops it
/// when its holder exits, however it exits (kill -9, power cut), so no stale lease ever has to
/// time out, and a second replayer sees at once who holds it (the file names the holder).
public final class ReplayLock: @unchecked Sendable {
    public let path: String
    private var fd: Int32

    /// Who holds the lock now, as the holder wrote it ("rfidgated pid 1234").
    public struct Held: Error, CustomStringConvertible, Sendable {
        public let holder: String
        public var description: String { "the SIP2 outbox is being replayed by \(holder)" }
    }

    /// Takes the lock without waiting; `Held` when another process replays.
    public static func acquire(storePath: String, holder: String) throws -> ReplayLock {
        let path = storePath + ".replay-lock"
        let fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0o600)
        guard fd >= 0 else {
            throw CirculationError(
                "cannot open \(path): \(String(cString: strerror(errno)))", kind: errno == ENOSPC ? .diskFull : .cannotOpen)
        }
        guard flock(fd, LOCK_EX | LOCK_NB) == 0 else {
            let held = Held(holder: Self.holder(fd) ?? "another process")
            close(fd)
            throw held
        }
        let text = Array((holder + "\n").utf8)
        _ = ftruncate(fd, 0)
        _ = text.withUnsafeBytes { pwrite(fd, $0.baseAddress, $0.count, 0) }
        return ReplayLock(path: path, fd: fd)
    }

    private init(path: String, fd: Int32) {
        self.path = path
        self.fd = fd
    }

    private static func holder(_ fd: Int32) -> String? {
        var buf = [UInt8](repeating: 0, count: 128)
        let n = pread(fd, &buf, buf.count, 0)
        guard n > 0 else { return nil }
        let text = String(decoding: buf[0..<n], as: UTF8.self).split(separator: "\n").first.map(String.init)
        return text?.isEmpty == false ? text : nil
    }

    public func release() {
        guard fd >= 0 else { return }
        _ = ftruncate(fd, 0)
        flock(fd, LOCK_UN)
        close(fd)
        fd = -1
    }

    deinit { release() }
}
