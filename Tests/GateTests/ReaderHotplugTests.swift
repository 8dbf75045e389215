import Gate
import ReaderEmulators
import ReaderHub
import Readers
import Synchronization
import TagRing
import Testing
import Threads

func hotplugTag(_ n: UInt64) -> EmulatedTag {
    EmulatedTag(uid: 0xE004_0100_0000_0000 | n, dsfid: 0x06, afi: 0x07, memory: (0..<64).map { UInt8(truncatingIfNeeded: Int(n) &+ $0) })
}

/// Waits up to `seconds` for `condition`; fails the test (throws) if it never holds.
func waitFor(_ seconds: Double, _ what: String = "condition", _ condition: () -> Bool) throws {
    let deadline = monotonicNanos() + UInt64(seconds * 1e9)
    while !condition() {
        if monotonicNanos() > deadline { throw WaitTimeout(what: what) }
        sleepNanos(5_000_000)
    }
}

struct WaitTimeout: Error, CustomStringConvertible {
    let what: String
    var description: String { "timed out waiting for \(what)" }
}

final class RunnerLog: @unchecked Sendable {
    let lock = Mutex(())
    var errors: [String] = []
    var recovered: [String] = []
}

/// Issue acceptance: a reader unplugged in the middle of an inventory logs one clear message,
/// the other readers keep reading, and plugging it back resumes reads within 2 s. Runs the
/// real ReaderRunner, FEIG driver, USB transport and hotplug dispatch over `EmulatedUSB`
/// (paced in real time by the HF air-time model).
@Suite("Reader hotplug re-attach", .serialized)
struct ReaderHotplugTests {
    @Test func unplugMidInventoryLogsOnceOthersKeepReadingReplugResumes() throws {
        let usb = EmulatedUSB(realTime: true)
        let fieldA = StaticTagField(), fieldB = StaticTagField()
        for i in 0..<3 { fieldA.place(hotplugTag(UInt64(i))); fieldB.place(hotplugTag(UInt64(100 + i))) }
        usb.addFeig(FeigEmulator(field: fieldA), port: 2, serial: "A")
        let devB = usb.addFeig(FeigEmulator(field: fieldB), port: 3, serial: "B")
        let ctx = USBContext(api: usb)
        defer { ctx.shutdown() }
        let clock = SystemMonotonicClock()
        let log = RunnerLog()
        func runner(_ name: String, _ serial: String, _ id: UInt16) -> ReaderRunner {
            let transport = USBDeviceLocator.reconnecting(ctx, .feig(serial: serial))
            let reader = FeigReader(transport: transport, clock: clock, options: .init(readerID: id, tagCacheMaxAgeNanos: 50_000_000))
            return ReaderRunner(
                name: name, reader: reader, ring: TagRing(capacity: 1 << 16), doorbell: Doorbell(),
                onError: { name, error in
                    log.lock.withLock { _ in log.errors.append("\(name): \(error)") }
                },
                onRecovered: { name, _ in
                    log.lock.withLock { _ in log.recovered.append(name) }
                })
        }
        let a = runner("a", "A", 1), b = runner("b", "B", 2)
        a.start(clock: clock); b.start(clock: clock)
        defer { a.stop(); b.stop() }
        try waitFor(3, "both readers reading") { a.cycles > 2 && b.cycles > 2 }

        // B unplugs at its second request from now: inside an inventory cycle (inventory,
        // then the tags' system information and blocks).
        devB.unplugAtRequest = devB.requests + 2
        try waitFor(2, "b failing") { b.state == .failing }
        let aBefore = a.cycles
        sleepNanos(1_200_000_000)  // away long enough for several backoffs
        #expect(a.cycles > aBefore + 3, "reader a kept reading while b was unplugged")
        #expect(b.state == .failing)
        let bWhileAway = b.cycles
        usb.plug(devB)
        let plugged = monotonicNanos()
        try waitFor(3, "b reading again") { b.cycles > bWhileAway }
        let resumeMillis = (monotonicNanos() - plugged) / 1_000_000
        #expect(resumeMillis < 2000, "resumed \(resumeMillis) ms after replug")
        let (errors, recovered) = log.lock.withLock { _ in (log.errors, log.recovered) }
        #expect(errors.count == 1, "one message per unplug, got \(errors)")
        #expect(errors.first?.hasPrefix("b: reader disconnected: usb 0ab1:0002 bus 1 port 1-3") == true, "\(errors)")
        #expect(recovered == ["b"])
        #expect(ctx.hotplugDepartures.load(ordering: .relaxed) == 1)
        #expect(b.ring.dropped == 0 && a.ring.dropped == 0)
    }

    @Test func withoutHotplugTheBackoffStillFindsTheReader() throws {
        let usb = EmulatedUSB(realTime: false, hotplug: false)
        let field = StaticTagField()
        field.place(hotplugTag(1))
        let dev = usb.addFeig(FeigEmulator(field: field), port: 2, serial: "A")
        let ctx = USBContext(api: usb)
        defer { ctx.shutdown() }
        let clock = SystemMonotonicClock()
        let reader = FeigReader(transport: USBDeviceLocator.reconnecting(ctx, .feig()), clock: clock, options: .init(readerID: 1))
        let r = ReaderRunner(
            name: "x", reader: reader, ring: TagRing(capacity: 1 << 16), doorbell: Doorbell(), cyclePeriodNanos: 10_000_000,
            maxBackoffNanos: 200_000_000, onError: { _, _ in })
        r.start(clock: clock)
        defer { r.stop() }
        try waitFor(2, "reading") { r.cycles > 0 }
        usb.unplug(dev)
        try waitFor(2, "failing") { r.state == .failing }
        usb.plug(dev)
        let c = r.cycles
        try waitFor(2, "reading again") { r.cycles > c }
    }
}
