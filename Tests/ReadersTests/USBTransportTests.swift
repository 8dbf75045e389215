import ReaderEmulators
import Readers
import Synchronization
import TagRing
import Testing
import Threads

/// The USB transport, hotplug re-attach and the relay driver over `EmulatedUSB`: the same code
/// that runs on libusb, with devices that can be unplugged and calls that can be made to fail.
@Suite("USB transport over the emulated libusb")
struct USBTransportTests {
    func bench(tags: Int = 10, hotplug: Bool = true) -> (EmulatedUSB, USBContext, EmulatedUSB.Device, StaticTagField) {
        let usb = EmulatedUSB(hotplug: hotplug)
        let field = StaticTagField()
        for i in 0..<tags { field.place(makeTag(UInt64(i))) }
        let dev = usb.addFeig(FeigEmulator(field: field), port: 2, serial: "0001")
        return (usb, USBContext(api: usb), dev, field)
    }

    @Test func inventoriesAndReadsTenTagsThroughBulkTransfers() throws {
        let (_, ctx, _, _) = bench()
        defer { ctx.shutdown() }
        let t = try USBDeviceLocator.openBulk(ctx, .feig())
        defer { t.close() }
        #expect(t.label.hasPrefix("usb 0ab1:0002 bus 1 port 1-2"))
        let reader = FeigReader(transport: t, clock: SystemMonotonicClock(), options: .init(readerID: 1))
        let reads = try readsFrom(reader)
        #expect(reads.count == 10)
        #expect(reads.allSatisfy { $0.flags.contains(.memoryValid) })
        #expect(t.overflowBytes == 0)
    }

    @Test func selectsBySerialAndPortAndRefusesAClaimedDevice() throws {
        let (usb, ctx, _, _) = bench()
        defer { ctx.shutdown() }
        usb.addFeig(FeigEmulator(field: StaticTagField()), port: 3, serial: "0002")
        let second = try USBDeviceLocator.openBulk(ctx, .feig(serial: "0002"))
        #expect(second.device.portPath == "1-3")
        let first = try USBDeviceLocator.openBulk(ctx, .feig(portPath: "1-2"))
        #expect(first.device.portPath == "1-2")
        #expect(throws: TransportError.self) { try USBDeviceLocator.openBulk(ctx, .feig()) }
        #expect(throws: TransportError.disconnected("no FEIG reader 0ab1:0002/0ab1:0004 serial 9999 is plugged in")) {
            try USBDeviceLocator.openBulk(ctx, .feig(serial: "9999"))
        }
        first.close(); second.close()
    }

    @Test func accessDeniedTellsTheTechnicianWhatToDo() {
        let (usb, ctx, _, _) = bench()
        defer { ctx.shutdown() }
        usb.failNext(.open, with: .access)
        do {
            _ = try USBDeviceLocator.openBulk(ctx, .feig())
            Issue.record("open succeeded")
        } catch {
            guard case .accessDenied(let why) = error else { Issue.record("not accessDenied: \(error)"); return }
            #expect(why.contains("install udev/70-rfidgate.rules or add the user to group rfidgate"))
            #expect(why.contains("/dev/bus/usb/001/"))
        }
    }

    @Test func busyInterfaceNamesTheLikelyCulprit() {
        let (usb, ctx, _, _) = bench()
        defer { ctx.shutdown() }
        usb.failNext(.claim, with: .busy)
        #expect {
            try USBDeviceLocator.openBulk(ctx, .feig())
        } throws: { e in
            guard case TransportError.accessDenied(let why) = e else { return false }
            return why.contains("in use by another program")
        }
    }

    @Test func kernelDriverCheckOtherMeansNoDriverAsUnderUmockdev() throws {
        let (usb, ctx, _, _) = bench()
        defer { ctx.shutdown() }
        usb.failNext(.kernelDriverActive, with: .other)
        let t = try USBDeviceLocator.openBulk(ctx, .feig())
        t.close()
    }

    @Test func noDeviceMidTransferIsADisconnect() throws {
        let (usb, ctx, _, _) = bench()
        defer { ctx.shutdown() }
        let t = try USBDeviceLocator.openBulk(ctx, .feig())
        defer { t.close() }
        let reader = FeigReader(transport: t, clock: SystemMonotonicClock(), options: .init(readerID: 1))
        usb.failNextTransfer(.completeIn, with: .noDevice)
        #expect {
            try readsFrom(reader)
        } throws: { e in
            (e as? ReaderError)?.isDisconnect == true
        }
        #expect(reader.stats.disconnects.load(ordering: .relaxed) == 1)
    }

    @Test func submitNoDeviceAndOutTimeoutAreTypedErrors() throws {
        let (usb, ctx, _, _) = bench()
        defer { ctx.shutdown() }
        let t = try USBDeviceLocator.openBulk(ctx, .feig())
        defer { t.close() }
        let request: [UInt8] = [0x02, 0x00, 0x09, 0xFF, 0xB0, 0x01, 0x00, 0x18, 0x43]
        usb.failNextTransfer(.completeOut, with: .timedOut)
        #expect(throws: TransportError.self) { try request.withUnsafeBytes { try t.send($0) } }
        usb.failNext(.submitOut, with: .noDevice)
        #expect {
            try request.withUnsafeBytes { try t.send($0) }
        } throws: { e in
            if case TransportError.disconnected = e { return true } else { return false }
        }
    }

    @Test func receiveTimesOutWithZeroBytes() throws {
        let (_, ctx, _, _) = bench()
        defer { ctx.shutdown() }
        let t = try USBDeviceLocator.openBulk(ctx, .feig())
        defer { t.close() }
        var buf = [UInt8](repeating: 0, count: 64)
        let start = monotonicNanos()
        let n = try buf.withUnsafeMutableBytes { try t.receive(into: $0, timeoutNanos: 50_000_000) }
        #expect(n == 0)
        #expect(monotonicNanos() - start >= 45_000_000)
    }

    @Test func relayIsDetachedFromUsbhidClaimedAndSwitched() throws {
        let usb = EmulatedUSB()
        let board = usb.addRelay(port: 4, serial: "ABCDE", channels: 2)
        usb.addRelay(port: 5, serial: "ZZZZZ", channels: 2, product: "HIDRelay")  // same ID, other board
        let ctx = USBContext(api: usb)
        defer { ctx.shutdown() }
        let relay = USBRelay(context: ctx)
        try relay.send(.on(1))
        var s = try relay.state()
        #expect(s == .init(serial: "ABCDE", mask: 0x01))
        try relay.send(.on(2)); try relay.send(.off(1))
        s = try relay.state()
        #expect(s.isOn(2) && !s.isOn(1))
        #expect(board.relayCommands == [.on(1), .on(2), .off(1)])
        relay.close()
    }

    @Test func relayComesBackAfterUnplug() throws {
        let usb = EmulatedUSB()
        let board = usb.addRelay(port: 4)
        let ctx = USBContext(api: usb)
        defer { ctx.shutdown() }
        let relay = USBRelay(context: ctx)
        try relay.send(.on(1))
        usb.unplug(board)
        #expect(throws: TransportError.self) { try relay.send(.off(1)) }
        usb.plug(board)
        try relay.send(.allOff)
        #expect(board.relayMask == 0)
        relay.close()
    }
}

@Suite("Relay alarm output")
struct RelayAlarmOutputTests {
    @Test func pulsesTheRelaysAndSwitchesThemOff() throws {
        let usb = EmulatedUSB()
        let board = usb.addRelay(port: 4, channels: 2)
        let ctx = USBContext(api: usb)
        defer { ctx.shutdown() }
        let errors = Mutex(())
        nonisolated(unsafe) var errorCount = 0
        let out = RelayAlarmOutput(relay: USBRelay(context: ctx), relays: [1, 2], pulseNanos: 150_000_000) { _ in
            errors.withLock { _ in errorCount += 1 }
        }
        out.trigger()
        var waited = 0
        while board.relayMask != 0b11 && waited < 100 { sleepNanos(5_000_000); waited += 1 }
        #expect(board.relayMask == 0b11)
        waited = 0
        while board.relayMask != 0 && waited < 100 { sleepNanos(5_000_000); waited += 1 }
        #expect(board.relayMask == 0)
        #expect(out.pulses.load(ordering: .relaxed) == 1)
        out.stop()
        #expect(errors.withLock { _ in errorCount } == 0)
    }
}
