import ReaderEmulators
import Readers
import TagRing
import Testing

#if canImport(Glibc)
import Glibc
#endif

/// The real libusb path (SystemLibUSB → USBContext → USBBulkTransport / USBRelay) against
/// devices faked by umockdev. Each test body runs inside its own umockdev session: a plain
/// `swift test` starts this test binary again under `umockdev-run` (`UmockdevSession`).

func systemContext() throws -> USBContext { try USBContext.system() }

@Suite("libusb under umockdev replay", .serialized)
struct USBReplayTests {
    @Test func enumeratesTheFeigReaderWithItsStrings() throws {
        guard UmockdevSession.isInside("enumerate", test: "USBReplayTests/enumeratesTheFeigReaderWithItsStrings", device: "feig-usb") else {
            return
        }
        let ctx = try systemContext()
        defer { ctx.shutdown() }
        let found = try USBDeviceLocator.candidates(ctx, .feig())
        try #require(found.count == 1)
        #expect(found[0].info.vidPid == "0ab1:0002")
        #expect(found[0].info.portPath == "1-2")
        #expect(found[0].info.address == 5)
        #expect(found[0].info.interfaceClass == 0xFF)
        #expect(found[0].product == "OBID RFID-Reader")
        #expect(found[0].serial == "00000001")
        #expect(try USBDeviceLocator.candidates(ctx, .feig(serial: "other")).isEmpty)
    }

    @Test func claimsAndRunsAFullInventoryCycleOverBulkTransfers() throws {
        guard
            UmockdevSession.isInside(
                "feig-cycle", test: "USBReplayTests/claimsAndRunsAFullInventoryCycleOverBulkTransfers", device: "feig-usb",
                pcap: (UmockdevSession.feigSysfs, "feig-cycle.pcap"))
        else { return }
        let ctx = try systemContext()
        defer { ctx.shutdown() }
        let t = try USBDeviceLocator.openBulk(ctx, .feig())
        defer { t.close() }
        let reader = FeigReader(
            transport: t, clock: SystemMonotonicClock(), options: .init(readerID: 3, memoryBytes: 16, responseTimeoutNanos: 300_000_000))
        var reads: [TagRead] = []
        try reader.inventoryCycle { reads.append(copy $0) }
        try #require(reads.count == 1)
        #expect(reads[0].idKey == 0xE004_0100_1234_5678)
        #expect(reads[0].afi == 0x07 && reads[0].dsfid == 0x06)
        #expect(reads[0].withMemory { Array($0) } == Array(0x31..<0x41))
    }

    @Test func reassemblesAnAnswerSplitOverTwoPackets() throws {
        guard
            UmockdevSession.isInside(
                "feig-split", test: "USBReplayTests/reassemblesAnAnswerSplitOverTwoPackets", device: "feig-usb",
                pcap: (UmockdevSession.feigSysfs, "feig-split.pcap"))
        else { return }
        let ctx = try systemContext()
        defer { ctx.shutdown() }
        let t = try USBDeviceLocator.openBulk(ctx, .feig())
        defer { t.close() }
        let reader = FeigReader(transport: t, clock: SystemMonotonicClock(), options: .init(readerID: 3, responseTimeoutNanos: 300_000_000))
        // The answer (one tag) arrives; reading that tag's data then times out (end of capture).
        var reads: [TagRead] = []
        try reader.inventoryCycle { reads.append(copy $0) }
        #expect(reads.count == 1)
        #expect(reads.first?.idKey == 0xE004_0100_1234_5678)
        #expect(reads.first.map { !$0.flags.contains(.memoryValid) } == true)
    }

    /// Unplug and replug over the real libusb: the reader's IN transfer completes with ENODEV
    /// in the middle of a request, the reconnecting transport drops the device, the next cycle
    /// opens it again (a new handle, claim, a new pending IN) and the same driver reads the tag.
    @Test func aReaderResumesReadingAfterUnplugAndReplug() throws {
        guard
            UmockdevSession.isInside(
                "feig-replug", test: "USBReplayTests/aReaderResumesReadingAfterUnplugAndReplug", device: "feig-usb",
                pcap: (UmockdevSession.feigSysfs, "feig-replug.pcap"))
        else { return }
        let ctx = try systemContext()
        defer { ctx.shutdown() }
        let transport = USBDeviceLocator.reconnecting(ctx, .feig())
        let reader = FeigReader(
            transport: transport, clock: SystemMonotonicClock(),
            options: .init(readerID: 3, memoryBytes: 16, responseTimeoutNanos: 500_000_000))
        defer { reader.shutdown() }
        let tag: UInt64 = 0xE004_0100_1234_5678
        var reads: [TagRead] = []
        try reader.inventoryCycle { reads.append(copy $0) }
        #expect(reads.map(\.idKey) == [tag])
        #expect {
            try reader.inventoryCycle { _ in }
        } throws: { e in
            (e as? ReaderError)?.isDisconnect == true
        }
        #expect(!transport.isConnected)
        reads.removeAll()
        try reader.inventoryCycle { reads.append(copy $0) }
        #expect(reads.map(\.idKey) == [tag])
        #expect(reads.first.map { $0.withMemory { Array($0) } } == Array(0x31..<0x41))
        #expect(transport.opens == 2)
    }

    @Test func aReaderThatNeverAnswersIsATimeout() throws {
        guard
            UmockdevSession.isInside(
                "feig-noanswer", test: "USBReplayTests/aReaderThatNeverAnswersIsATimeout", device: "feig-usb",
                pcap: (UmockdevSession.feigSysfs, "feig-noanswer.pcap"))
        else { return }
        let ctx = try systemContext()
        defer { ctx.shutdown() }
        let t = try USBDeviceLocator.openBulk(ctx, .feig())
        defer { t.close() }
        let reader = FeigReader(transport: t, clock: SystemMonotonicClock(), options: .init(readerID: 3, responseTimeoutNanos: 200_000_000))
        #expect(throws: ReaderError.timeout(command: "inventory", millis: 200)) { try reader.inventoryCycle { _ in } }
        // The next request is past the end of the capture: libusb times the OUT transfer out.
        let request: [UInt8] = [0x02, 0x00, 0x09, 0xFF, 0xB0, 0x01, 0x00, 0x18, 0x43]
        #expect {
            try request.withUnsafeBytes { try t.send($0) }
        } throws: { e in
            if case TransportError.timedOut = e { return true } else { return false }
        }
    }

    @Test func unplugWhileReadingIsADisconnect() throws {
        guard
            UmockdevSession.isInside(
                "feig-unplug", test: "USBReplayTests/unplugWhileReadingIsADisconnect", device: "feig-usb",
                pcap: (UmockdevSession.feigSysfs, "feig-unplug.pcap"))
        else { return }
        let ctx = try systemContext()
        defer { ctx.shutdown() }
        let t = try USBDeviceLocator.openBulk(ctx, .feig())
        defer { t.close() }
        let reader = FeigReader(transport: t, clock: SystemMonotonicClock(), options: .init(readerID: 3, responseTimeoutNanos: 500_000_000))
        #expect {
            try reader.inventoryCycle { _ in }
        } throws: { e in
            (e as? ReaderError)?.isDisconnect == true && "\(e)".contains("unplugged")
        }
    }

    @Test func accessDeniedFromLibusbIsTyped() throws {
        guard UmockdevSession.isInside("feig-access", test: "USBReplayTests/accessDeniedFromLibusbIsTyped", device: "feig-usb") else {
            return
        }
        let api: FaultInjectingLibUSB
        switch SystemLibUSB.make() {
        case .success(let s): api = FaultInjectingLibUSB(s)
        case .failure(let c): Issue.record("libusb_init: \(c)"); return
        }
        let ctx = USBContext(api: api)
        defer { ctx.shutdown() }
        api.failNext(.open, with: .access)
        #expect(
            throws: TransportError.accessDenied(
                "0ab1:0002 (/dev/bus/usb/001/005) not permitted: install udev/70-rfidgate.rules or add the user to group rfidgate")
        ) {
            try USBDeviceLocator.openBulk(ctx, .feig())
        }
        api.failNext(.claim, with: .busy)
        #expect(throws: TransportError.self) { try USBDeviceLocator.openBulk(ctx, .feig()) }
    }

    @Test func relaySwitchesThroughHidFeatureReports() throws {
        guard
            UmockdevSession.isInside(
                "relay-on-state", test: "USBReplayTests/relaySwitchesThroughHidFeatureReports", device: "usbrelay2",
                pcap: (UmockdevSession.relaySysfs, "relay-on-state.pcap"))
        else { return }
        let ctx = try systemContext()
        defer { ctx.shutdown() }
        let relay = USBRelay(context: ctx)
        defer { relay.close() }
        try relay.send(.on(1))
        #expect(try relay.state() == .init(serial: "ABCDE", mask: 0x01))
    }
}

/// libumockdev's in-process API, loaded at run time so the package does not link it: the
/// test adds a device and sends "add"/"remove" uevents that libusb's udev monitor picks up.
struct UMockdevTestbed {
    typealias New = @convention(c) () -> OpaquePointer?
    typealias AddFromString = @convention(c) (OpaquePointer?, UnsafePointer<CChar>, UnsafeMutablePointer<OpaquePointer?>?) -> Int32
    typealias Uevent = @convention(c) (OpaquePointer?, UnsafePointer<CChar>, UnsafePointer<CChar>) -> Void
    let bed: OpaquePointer
    let addFromString: AddFromString
    let uevent: Uevent

    init?() {
        guard let lib = dlopen("libumockdev.so.0", RTLD_NOW),
            let n = dlsym(lib, "umockdev_testbed_new"), let a = dlsym(lib, "umockdev_testbed_add_from_string"),
            let u = dlsym(lib, "umockdev_testbed_uevent")
        else { return nil }
        guard let bed = unsafeBitCast(n, to: New.self)() else { return nil }
        self.bed = bed
        addFromString = unsafeBitCast(a, to: AddFromString.self)
        uevent = unsafeBitCast(u, to: Uevent.self)
    }

    func add(_ description: String) -> Bool { addFromString(bed, description, nil) != 0 }
    func send(_ syspath: String, _ action: String) { uevent(bed, syspath, action) }
}

@Suite("libusb hotplug under umockdev-wrapper")
struct USBHotplugUmockdevTests {
    @Test func arrivalWakesTheWaitingReaderAndRemovalIsSeen() throws {
        guard
            UmockdevSession.isInside(
                "hotplug", test: "USBHotplugUmockdevTests/arrivalWakesTheWaitingReaderAndRemovalIsSeen", device: nil,
                environment: ["RFIDGATE_USB_DEVICE": "\(UmockdevSession.fixtures)/feig-usb.umockdev"])
        else { return }
        let bed = try #require(UMockdevTestbed(), "libumockdev.so.0 not loadable")
        let description = try #require(getenv("RFIDGATE_USB_DEVICE").map { String(cString: $0) })
        let text = try #require(readWholeFile(description))
        let ctx = try systemContext()
        defer { ctx.shutdown() }
        try #require(ctx.hotplugActive, "libusb offers no hotplug here")
        let signal = ReattachSignal()
        ctx.watch(signal) { USBDeviceSelector.feig().matchesWithoutStrings($0) }
        #expect(try USBDeviceLocator.candidates(ctx, .feig()).isEmpty)
        let before = signal.current
        #expect(bed.add(text))
        let syspath = "/sys/devices/pci0000:00/0000:00:14.0/usb1/1-2"
        bed.send(syspath, "add")
        var waited = 0
        while signal.current == before && waited < 200 { usleep(10_000); waited += 1 }
        #expect(signal.current != before, "no hotplug arrival within 2 s")
        #expect(try USBDeviceLocator.candidates(ctx, .feig()).count == 1)
        bed.send(syspath, "remove")
        waited = 0
        while ctx.hotplugDepartures.load(ordering: .relaxed) == 0 && waited < 200 { usleep(10_000); waited += 1 }
        #expect(ctx.hotplugDepartures.load(ordering: .relaxed) == 1)
    }
}

func readWholeFile(_ path: String) -> String? {
    guard let f = fopen(path, "r") else { return nil }
    defer { fclose(f) }
    var out: [UInt8] = []
    var buf = [UInt8](repeating: 0, count: 4096)
    while true {
        let n = fread(&buf, 1, buf.count, f)
        if n <= 0 { break }
        out += buf.prefix(n)
    }
    return String(decoding: out, as: UTF8.self)
}
