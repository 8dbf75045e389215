import ReaderProtocols
import TagRing

/// Driver for UHF readers and gates speaking LLRP 1.0.1 (Impinj Speedway/R700 class, TCP 5084).
///
/// On (re)connection: wait for the reader's ConnectionAttemptEvent, clear its specs, set a
/// keepalive, add and start one ROSpec that inventories the configured antennas until stopped,
/// and one AccessSpec that reads every singulated tag's PC word and UII (EPC bank from word 1;
/// optionally user memory). Each inventory cycle then turns the RO_ACCESS_REPORTs that arrive
/// within `cycleNanos` into `TagRead`s (kind epcGen2, memory = PC + UII, AFI from the PC word).
/// Steady state parses in place and allocates nothing.
public final class LLRPReader: InventoryDriver {
    public struct Options: Sendable {
        public var readerID: UInt16
        /// Antenna ports to inventory; empty = all.
        public var antennas: [UInt16]
        public var responseTimeoutNanos: UInt64
        /// How long one `inventoryCycle` collects reports.
        public var cycleNanos: UInt64
        public var keepaliveMillis: UInt32
        /// Also read user memory (bank 3) of every tag and hand it to `userMemoryHandler`.
        public var readUserMemory: Bool

        public init(
            readerID: UInt16, antennas: [UInt16] = [], responseTimeoutNanos: UInt64 = 2_000_000_000,
            cycleNanos: UInt64 = 100_000_000, keepaliveMillis: UInt32 = 5000, readUserMemory: Bool = false
        ) {
            self.readerID = readerID
            self.antennas = antennas
            self.responseTimeoutNanos = responseTimeoutNanos
            self.cycleNanos = cycleNanos
            self.keepaliveMillis = keepaliveMillis
            self.readUserMemory = readUserMemory
        }
    }

    static let roSpecID: UInt32 = 0x5246_4701
    static let readSpecID: UInt32 = 1
    static let writeSpecID: UInt32 = 2
    static let uiiOp: UInt16 = 1, userOp: UInt16 = 2, writeOp: UInt16 = 3

    public let options: Options
    public let stats = ReaderStats()
    private let transport: ReaderTransport
    private let clock: any MonotonicClock
    private let decoder = LLRPFrameDecoder()
    private var builder = LLRPBuilder()
    private var nextMessageID: UInt32 = 1
    private var started = false
    private var lastHeardNanos: UInt64 = 0
    private var emitted = 0
    private var pendingWrite: (done: Bool, result: UInt8)?
    /// Called with each tag's read and its user memory when `readUserMemory` is set.
    public var userMemoryHandler: ((borrowing TagRead, UnsafeRawBufferPointer) -> Void)?

    public init(transport: ReaderTransport, clock: any MonotonicClock, options: Options) {
        self.transport = transport
        self.clock = clock
        self.options = options
    }

    public var label: String { transport.label }
    public var reattach: ReattachSignal? { nil }
    public var isStarted: Bool { started }

    @discardableResult
    public func inventoryCycle(_ emit: (borrowing TagRead) -> Void) throws(ReaderError) -> Int {
        emitted = 0
        do throws(ReaderError) {
            if !started { try start(emit) }
            let end = clock.nanoseconds() &+ options.cycleNanos
            while clock.nanoseconds() < end { try pump(until: end, emit) }
            let silent = clock.nanoseconds() &- lastHeardNanos
            if silent > 3 * UInt64(options.keepaliveMillis) * 1_000_000 {
                stats.bump(stats.timeouts)
                throw ReaderError.timeout(command: "keepalive", millis: Int(silent / 1_000_000))
            }
        } catch {
            lost(error)
            throw error
        }
        stats.bump(stats.inventories)
        stats.bump(stats.reads, by: emitted)
        return emitted
    }

    /// After any failure the reader's specs are set up again on the next cycle; a broken
    /// stream or a dead link also drops the connection.
    private func lost(_ error: ReaderError) {
        started = false
        switch error {
        case .transport, .llrpProtocol, .timeout:
            decoder.reset()
            (transport as? ReconnectingTransport)?.reset()
        default: break
        }
    }

    private func start(_ emit: (borrowing TagRead) -> Void) throws(ReaderError) {
        decoder.reset()
        if let r = transport as? ReconnectingTransport {
            do { try r.connect() } catch { stats.bump(stats.disconnects); throw .transport(error) }
        }
        lastHeardNanos = clock.nanoseconds()
        // The reader speaks first: success, or "another client is connected".
        let deadline = clock.nanoseconds() &+ options.responseTimeoutNanos
        var attempt: UInt16? = nil
        while attempt == nil {
            guard let m = try receiveMessage(until: deadline) else {
                stats.bump(stats.timeouts)
                throw .timeout(command: "LLRP connection greeting", millis: Int(options.responseTimeoutNanos / 1_000_000))
            }
            if m.type == LLRPMessageType.readerEventNotification {
                do { attempt = try LLRPParsing.connectionAttempt(m.body) } catch { throw protocolError(error) }
            }
        }
        if attempt != 0 {
            throw .transport(
                .disconnected(
                    "\(label): the reader refused the connection (ConnectionAttemptEvent status \(attempt!)): another LLRP client is connected; stop it"
                ))
        }
        var b = builder
        try request(LLRPMessages.setKeepalive(&b, id: newID(), periodMillis: options.keepaliveMillis), "SET_READER_CONFIG", emit)
        try request(
            LLRPMessages.specID(&b, type: LLRPMessageType.deleteAccessSpec, id: newID(), spec: 0), "DELETE_ACCESSSPEC", emit,
            mustSucceed: false)
        try request(
            LLRPMessages.specID(&b, type: LLRPMessageType.deleteROSpec, id: newID(), spec: 0), "DELETE_ROSPEC", emit, mustSucceed: false)
        try request(LLRPMessages.addROSpec(&b, id: newID(), roSpecID: Self.roSpecID, antennas: options.antennas), "ADD_ROSPEC", emit)
        try request(LLRPMessages.specID(&b, type: LLRPMessageType.enableROSpec, id: newID(), spec: Self.roSpecID), "ENABLE_ROSPEC", emit)
        var ops: [LLRPMessages.Operation] = [.read(opSpecID: Self.uiiOp, bank: 1, pointer: 1, words: 0)]
        if options.readUserMemory { ops.append(.read(opSpecID: Self.userOp, bank: 3, pointer: 0, words: 0)) }
        try request(
            LLRPMessages.addAccessSpec(
                &b, id: newID(), accessSpecID: Self.readSpecID, roSpecID: Self.roSpecID, targetEPC: nil, operations: ops, count: 0),
            "ADD_ACCESSSPEC", emit)
        try request(
            LLRPMessages.specID(&b, type: LLRPMessageType.enableAccessSpec, id: newID(), spec: Self.readSpecID), "ENABLE_ACCESSSPEC", emit)
        try request(LLRPMessages.specID(&b, type: LLRPMessageType.startROSpec, id: newID(), spec: Self.roSpecID), "START_ROSPEC", emit)
        builder = b
        started = true
    }

    private func newID() -> UInt32 {
        nextMessageID = nextMessageID == UInt32.max ? 1 : nextMessageID + 1
        return nextMessageID
    }

    private func protocolError(_ e: LLRPParseError) -> ReaderError {
        stats.bump(stats.protocolErrors)
        return .llrpProtocol(e)
    }

    /// Sends a request and waits for its answer (matching message id), handling reports and
    /// keepalives that arrive meanwhile.
    private func request(
        _ bytes: [UInt8], _ what: String, _ emit: (borrowing TagRead) -> Void, mustSucceed: Bool = true
    ) throws(ReaderError) {
        try send(bytes)
        let id = readU32(bytes, 6), type = UInt16(bytes[0] & 0x3) << 8 | UInt16(bytes[1])
        let deadline = clock.nanoseconds() &+ options.responseTimeoutNanos
        while true {
            guard let m = try receiveMessage(until: deadline) else {
                stats.bump(stats.timeouts)
                throw .timeout(command: what, millis: Int(options.responseTimeoutNanos / 1_000_000))
            }
            if m.id == id && (m.type == LLRPMessageType.response(to: type) || m.type == LLRPMessageType.errorMessage) {
                let status: LLRPParsing.Status
                do { status = try LLRPParsing.status(m.body) } catch { throw protocolError(error) }
                if !status.ok && mustSucceed {
                    throw .refused(command: what, reason: "status \(status.code): \(status.text)")
                }
                return
            }
            try dispatch(m, emit)
        }
    }

    private func readU32(_ b: [UInt8], _ i: Int) -> UInt32 {
        UInt32(b[i]) << 24 | UInt32(b[i + 1]) << 16 | UInt32(b[i + 2]) << 8 | UInt32(b[i + 3])
    }

    private func send(_ bytes: [UInt8]) throws(ReaderError) {
        let e = bytes.withUnsafeBytes { b -> TransportError? in
            do throws(TransportError) { try transport.send(b); return nil } catch { return error }
        }
        if let e {
            if case .disconnected = e { stats.bump(stats.disconnects) }
            throw .transport(e)
        }
    }

    /// Handles every message that arrives until `deadline`.
    private func pump(until deadline: UInt64, _ emit: (borrowing TagRead) -> Void) throws(ReaderError) {
        while let m = try receiveMessage(until: deadline) { try dispatch(m, emit) }
    }

    /// The next message, or nil once `deadline` passes.
    private func receiveMessage(until deadline: UInt64) throws(ReaderError) -> LLRPMessageView? {
        while true {
            do {
                if let m = try decoder.nextMessage() { lastHeardNanos = clock.nanoseconds(); return m }
            } catch { throw protocolError(error) }
            let now = clock.nanoseconds()
            if now >= deadline { return nil }
            let got: Int
            do { got = try transport.receive(into: decoder.writableSpace(), timeoutNanos: deadline - now) } catch {
                if case .disconnected = error { stats.bump(stats.disconnects) }
                throw .transport(error)
            }
            if got == 0 { return nil }
            decoder.commit(got)
        }
    }

    private func dispatch(_ m: LLRPMessageView, _ emit: (borrowing TagRead) -> Void) throws(ReaderError) {
        switch m.type {
        case LLRPMessageType.roAccessReport:
            let arrival = clock.nanoseconds()
            do {
                try LLRPParsing.tagReports(m.body) { r in handle(r, arrival: arrival, emit) }
            } catch { throw protocolError(error) }
        case LLRPMessageType.keepalive:
            var b = builder
            let ack = LLRPMessages.empty(&b, type: LLRPMessageType.keepaliveAck, id: m.id)
            builder = b
            try send(ack)
        default:
            break  // reader events (antenna, ROSpec start/end), answers to nothing we wait for
        }
    }

    private func handle(_ r: LLRPParsing.TagReport, arrival: UInt64, _ emit: (borrowing TagRead) -> Void) {
        var read = TagRead(
            arrivalNanos: arrival, reader: options.readerID, antenna: UInt8(clamping: r.antenna), kind: .epcGen2, rssi: r.peakRSSI)
        read.setID(r.epc)
        var user: UnsafeRawBufferPointer? = nil
        var pc = r.pcWord
        for i in 0..<r.opResultCount {
            switch r.opResult(i) {
            case .read(let op, let result, let data) where result == 0:
                if op == Self.uiiOp && data.count >= 2 {
                    read.setMemory(data)
                    read.flags.insert(.memoryValid)
                    pc = UInt16(data[0]) << 8 | UInt16(data[1])
                } else if op == Self.userOp {
                    user = data
                }
            case .read:
                stats.bump(stats.tagReadFailures)
            case .write(let op, let result, _) where op == Self.writeOp:
                pendingWrite = (true, result)
            default: break
            }
        }
        if let pc {
            // PC word bit 8 is the toggle T: set, the low byte is the ISO AFI (ISO 28560-4).
            read.afi = pc & 0x0100 != 0 ? UInt8(pc & 0xFF) : 0
            read.flags.insert(.systemInfoValid)
        }
        if r.accessSpecID == Self.writeSpecID || pendingWrite != nil && r.accessSpecID != Self.readSpecID { return }
        emitted += 1
        emit(read)
        if let user, let handler = userMemoryHandler { handler(read, user) }
    }

    /// Writes words into one tag's memory through a one-shot AccessSpec targeted at its EPC.
    /// Bank 1 word 1 is the PC word (`writePC`); bank 3 is user memory.
    public func write(epc: [UInt8], bank: UInt8, wordPointer: UInt16, words: [UInt16]) throws(ReaderError) {
        if !started { try start { _ in } }
        var b = builder
        pendingWrite = nil
        do throws(ReaderError) {
            try request(
                LLRPMessages.addAccessSpec(
                    &b, id: newID(), accessSpecID: Self.writeSpecID, roSpecID: Self.roSpecID, targetEPC: epc,
                    operations: [.write(opSpecID: Self.writeOp, bank: bank, pointer: wordPointer, data: words)], count: 1),
                "ADD_ACCESSSPEC (write)", { _ in })
            try request(
                LLRPMessages.specID(&b, type: LLRPMessageType.enableAccessSpec, id: newID(), spec: Self.writeSpecID),
                "ENABLE_ACCESSSPEC (write)", { _ in })
            builder = b
            let deadline = clock.nanoseconds() &+ options.responseTimeoutNanos
            while pendingWrite == nil, clock.nanoseconds() < deadline {
                try pump(until: min(deadline, clock.nanoseconds() &+ 50_000_000)) { _ in }
            }
            var b2 = builder
            try request(
                LLRPMessages.specID(&b2, type: LLRPMessageType.deleteAccessSpec, id: newID(), spec: Self.writeSpecID),
                "DELETE_ACCESSSPEC (write)", { _ in }, mustSucceed: false)
            builder = b2
        } catch {
            lost(error)
            throw error
        }
        guard let w = pendingWrite else {
            stats.bump(stats.timeouts)
            throw .timeout(command: "tag write (is the tag in the field?)", millis: Int(options.responseTimeoutNanos / 1_000_000))
        }
        pendingWrite = nil
        if w.result != 0 { throw .refused(command: "tag write", reason: LLRPParsing.describeResult(w.result, write: true)) }
    }

    /// Sets the AFI in the PC word (toggle bit on, low byte = AFI) keeping its length and flags.
    public func writePC(epc: [UInt8], currentPC: UInt16, afi: UInt8) throws(ReaderError) {
        try write(epc: epc, bank: 1, wordPointer: 1, words: [(currentPC & 0xFE00) | 0x0100 | UInt16(afi)])
    }

    public func shutdown() {
        if started {
            var b = builder
            let stop = LLRPMessages.specID(&b, type: LLRPMessageType.stopROSpec, id: newID(), spec: Self.roSpecID)
            let close = LLRPMessages.empty(&b, type: LLRPMessageType.closeConnection, id: newID())
            _ = try? send(stop)
            _ = try? send(close)
            started = false
        }
        transport.close()
    }
}
