import Readers
import TagRing
import Threads

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

/// Misbehaviour an emulated wire can inject, to prove drivers survive real-world links.
public struct WireFaults: Sendable {
    /// Deliver answers in pieces of at most this many bytes per `receive` (0 = whole).
    public var chunkSize = 0
    /// Prefix every Nth answer with line noise (0 = never).
    public var garbageEvery = 0
    /// Flip a byte in every Nth answer so its CRC fails (0 = never).
    public var corruptEvery = 0
    /// Swallow every Nth answer entirely, as a reader that missed the request (0 = never).
    public var dropEvery = 0
    /// Act unplugged from the Nth request on (0 = never).
    public var disconnectAfter = 0

    public init(chunkSize: Int = 0, garbageEvery: Int = 0, corruptEvery: Int = 0, dropEvery: Int = 0, disconnectAfter: Int = 0) {
        self.chunkSize = chunkSize
        self.garbageEvery = garbageEvery
        self.corruptEvery = corruptEvery
        self.dropEvery = dropEvery
        self.disconnectAfter = disconnectAfter
    }
}

/// An in-memory wire to a `FeigEmulator`. With `realTime` the caller's thread waits out the
/// modelled air time, so a simulated gate reads at a real gate's pace; without it, answers are
/// immediate (benchmarks and unit tests pace themselves).
public final class EmulatorTransport: ReaderTransport, @unchecked Sendable {
    public let label: String
    public let emulator: FeigEmulator
    public var faults: WireFaults
    private let clock: any MonotonicClock
    private let realTime: Bool
    private var inbound: [UInt8] = []
    private var readIndex = 0
    private var readyAtNanos: UInt64 = 0
    private var requestCount = 0
    private var closed = false
    /// Modelled air time accumulated over all exchanges (ns).
    public private(set) var airNanosTotal: UInt64 = 0

    public init(label: String, emulator: FeigEmulator, clock: any MonotonicClock, realTime: Bool, faults: WireFaults = WireFaults()) {
        self.label = label
        self.emulator = emulator
        self.clock = clock
        self.realTime = realTime
        self.faults = faults
        inbound.reserveCapacity(4096)
    }

    public func send(_ bytes: UnsafeRawBufferPointer) throws(TransportError) {
        if closed { throw .disconnected("\(label) is closed") }
        requestCount += 1
        if faults.disconnectAfter > 0 && requestCount >= faults.disconnectAfter {
            throw .disconnected("\(label): device unplugged (emulated)")
        }
        let now = clock.nanoseconds()
        var (answer, air) = emulator.handle(bytes, atNanos: now)
        airNanosTotal &+= air
        if faults.dropEvery > 0 && requestCount % faults.dropEvery == 0 { return }
        if faults.corruptEvery > 0 && requestCount % faults.corruptEvery == 0 && answer.count > 5 {
            answer[answer.count / 2] ^= 0x5A
        }
        if faults.garbageEvery > 0 && requestCount % faults.garbageEvery == 0 {
            inbound.append(contentsOf: [0x00, 0xFF, 0x13, 0x02, 0x00])  // includes a fake STX
        }
        if readIndex == inbound.count { inbound.removeAll(keepingCapacity: true); readIndex = 0 }
        inbound.append(contentsOf: answer)
        readyAtNanos = now &+ air
    }

    public func receive(into buffer: UnsafeMutableRawBufferPointer, timeoutNanos: UInt64) throws(TransportError) -> Int {
        if closed { throw .disconnected("\(label) is closed") }
        if faults.disconnectAfter > 0 && requestCount >= faults.disconnectAfter {
            throw .disconnected("\(label): device unplugged (emulated)")
        }
        let available = inbound.count - readIndex
        if available == 0 {
            if realTime { sleepNanos(timeoutNanos) }
            return 0
        }
        if realTime {
            let now = clock.nanoseconds()
            if readyAtNanos > now {
                let wait = readyAtNanos - now
                if wait > timeoutNanos { sleepNanos(timeoutNanos); return 0 }
                sleepNanos(wait)
            }
        }
        var n = min(available, buffer.count)
        if faults.chunkSize > 0 { n = min(n, faults.chunkSize) }
        inbound.withUnsafeBytes { src in
            buffer.baseAddress!.copyMemory(from: src.baseAddress! + readIndex, byteCount: n)
        }
        readIndex += n
        return n
    }

    public func close() { closed = true }
}
