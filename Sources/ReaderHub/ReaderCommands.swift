import Readers
import Synchronization
import Threads

/// A reader's command mailbox: other threads (the alarm outputs, the station writing a tag's
/// security state) ask the reader's own thread to run a command between two inventory
/// cycles, because only that thread may talk on the reader's wire.
///
/// The reader thread calls `drain` after every cycle; with nothing queued that is one atomic
/// load, no lock and no allocation. While the reader is failing (or its driver can take no
/// commands, or it is stopped) the mailbox is closed and `run` fails at once instead of
/// waiting for a thread that is sleeping in its backoff.
public final class ReaderCommands: @unchecked Sendable {
    public typealias Command = @Sendable (any InventoryDriver) throws(ReaderError) -> Void

    /// One queued command and the caller waiting for its outcome.
    private final class Ticket {
        let command: Command
        var done = false
        var error: ReaderCommandError? = nil
        init(_ command: @escaping Command) { self.command = command }
    }

    public let readerName: String
    private let pending = Atomic<Bool>(false)
    private let cond = PthreadCondition()
    private var queue: [Ticket] = []
    /// Why commands are refused now; nil while the reader is reading (or starting).
    private var closedReason: String?

    public init(readerName: String) { self.readerName = readerName }

    /// Runs `command` on the reader's thread and waits up to `timeoutNanos` for it to finish.
    /// Throws when the reader is failing, the command failed, or the reader thread did not
    /// get to it in time (a command not yet started by then is withdrawn, never run late).
    public func run(timeoutNanos: UInt64, _ command: @escaping Command) throws(ReaderCommandError) {
        let ticket = Ticket(command)
        let deadline = monotonicNanos() &+ timeoutNanos
        cond.lock()
        defer { cond.unlock() }
        if let reason = closedReason { throw .unavailable(reader: readerName, reason: reason) }
        queue.append(ticket)
        pending.store(true, ordering: .releasing)
        while !ticket.done {
            if !cond.wait(untilNanos: deadline) && !ticket.done {
                if let i = queue.firstIndex(where: { $0 === ticket }) {
                    queue.remove(at: i)
                    if queue.isEmpty { pending.store(false, ordering: .relaxed) }
                }
                throw .timedOut(reader: readerName, millis: Int(timeoutNanos / 1_000_000))
            }
        }
        if let error = ticket.error { throw error }
    }

    /// Switches digital outputs (light, buzzer) on for `millis`, or off with 0: one command, so
    /// the caller waits for the reader's thread once, not once per output.
    public func setOutputs(_ outputs: [UInt8], onForMillis millis: Int, timeoutNanos: UInt64) throws(ReaderCommandError) {
        try run(timeoutNanos: timeoutNanos) { driver throws(ReaderError) in
            guard let io = driver as? any DigitalIOCapable else {
                throw .refused(command: "set outputs", reason: "this reader has no digital outputs")
            }
            for output in outputs { try io.setOutput(output, onForMillis: millis) }
        }
    }

    /// Writes a tag's security state (AFI or EAS) through the reader.
    public func write(_ change: TagWrite, to address: TagAddress, timeoutNanos: UInt64) throws(ReaderCommandError) {
        try run(timeoutNanos: timeoutNanos) { driver throws(ReaderError) in
            guard let writer = driver as? any TagWriting else {
                throw .refused(command: "write \(change)", reason: "this reader's driver cannot write tags")
            }
            try writer.write(change, to: address)
        }
    }

    /// Reads a tag's AFI back through the reader (the station's verify step).
    public func readAFI(at address: TagAddress, timeoutNanos: UInt64) throws(ReaderCommandError) -> UInt8 {
        let result = ResultBox()
        try run(timeoutNanos: timeoutNanos) { driver throws(ReaderError) in
            guard let reader = driver as? any TagWriting else {
                throw .refused(command: "read AFI", reason: "this reader's driver cannot read tags back")
            }
            result.value = try reader.readAFI(at: address)
        }
        guard let afi = result.value else { throw .timedOut(reader: readerName, millis: Int(timeoutNanos / 1_000_000)) }
        return afi
    }

    /// Reader thread: runs every queued command against `io`. Cheap when nothing is queued.
    @inline(__always)
    public func drain(_ io: any InventoryDriver) {
        guard pending.load(ordering: .acquiring) else { return }
        drainQueued(io)
    }

    private func drainQueued(_ io: any InventoryDriver) {
        while true {
            // Take one at a time so a caller that times out meanwhile can still withdraw the rest.
            let ticket: Ticket? = cond.withLock {
                guard !queue.isEmpty else { pending.store(false, ordering: .relaxed); return nil }
                return queue.removeFirst()
            }
            guard let ticket else { return }
            var failure: ReaderCommandError? = nil
            do { try ticket.command(io) } catch { failure = .failed(reader: readerName, error) }
            cond.withLock {
                ticket.error = failure; ticket.done = true
            }
            cond.broadcast()
        }
    }

    /// Reader thread: refuses commands from now on (the reader is failing or stopped) and
    /// fails those waiting. Idempotent.
    public func close(reason: String) {
        let refused: [Ticket] = cond.withLock {
            closedReason = reason
            let q = queue
            queue.removeAll()
            pending.store(false, ordering: .relaxed)
            for t in q { t.error = .unavailable(reader: readerName, reason: reason); t.done = true }
            return q
        }
        if !refused.isEmpty { cond.broadcast() }
    }

    /// Reader thread: accepts commands again (the reader reads).
    public func open() {
        cond.withLock { closedReason = nil }
    }

    /// Whether commands are accepted now (tests, status).
    public var isOpen: Bool { cond.withLock { closedReason == nil } }
}

/// A command's result, handed from the reader thread to the waiting caller: `run` returns
/// only after the ticket is done under the condition's lock, which orders the two.
private final class ResultBox: @unchecked Sendable {
    var value: UInt8?
}

/// Why a command for a reader's thread did not run.
public enum ReaderCommandError: Error, CustomStringConvertible, Equatable {
    /// The reader is failing, stopped, or its driver takes no commands.
    case unavailable(reader: String, reason: String)
    /// The reader thread did not get to the command in time (busy in a long exchange).
    case timedOut(reader: String, millis: Int)
    /// The reader answered the command with an error.
    case failed(reader: String, ReaderError)

    public var description: String {
        switch self {
        case .unavailable(let r, let reason): "reader \(r) cannot take commands now: \(reason)"
        case .timedOut(let r, let ms): "reader \(r) did not get to the command within \(ms) ms (busy or not answering)"
        case .failed(let r, let e): "reader \(r): \(e)"
        }
    }
}
