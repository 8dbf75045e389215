import ReaderProtocols
import Synchronization
import Threads

/// A reader on a pair of USB endpoints (bulk OUT / bulk or interrupt IN), as a `ReaderTransport`.
///
/// One IN transfer is always pending, so bytes are taken off the bus as they arrive (a reader's
/// answer spread over several packets, or an unsolicited notification) and kept in a small
/// ring until the driver asks for them. Requests go out as one OUT transfer that the caller
/// waits for. Both transfers are allocated once and reused; completions arrive on the
/// `USBContext` event thread and are handed over under one mutex.
///
/// An unplug shows up as LIBUSB_ERROR_NO_DEVICE / LIBUSB_TRANSFER_NO_DEVICE on either transfer
/// and becomes `TransportError.disconnected`; `ReconnectingTransport` reopens a new one.
public final class USBBulkTransport: ReaderTransport, @unchecked Sendable {
    public struct Endpoints: Sendable, Equatable {
        public var interface: Int32 = 0
        public var outEndpoint: UInt8 = 0x02
        public var inEndpoint: UInt8 = 0x81
        public var inType: USBTransferType = .bulk
        /// Size of each IN transfer: the endpoint's wMaxPacketSize, so every packet completes one
        /// transfer at once (a larger buffer would wait for a short packet). Recorded captures
        /// replay only with the same size.
        public var packetSize = 64
        public var outCapacity = 4096
        /// Longest wait for the reader to accept a request.
        public var sendTimeoutMillis: UInt32 = 1000
        public init() {}
        /// FEIG OBID readers: bulk OUT 0x02, bulk IN 0x81, 64-byte packets (full speed).
        public static let feig = Endpoints()
    }

    public let label: String
    public let device: USBDeviceInfo
    private let context: USBContext
    private let api: any LibUSBAPI
    private let handle: USBHandle
    private let endpoints: Endpoints
    private let outT: USBTransfer
    private let inT: USBTransfer
    private let cond = PthreadCondition()
    // Guarded by `cond`:
    private let inbound: UnsafeMutableRawBufferPointer
    private var inHead = 0, inCount = 0
    private var outDone = true
    private var inPending = false
    private var gone: TransportError?
    private var closing = false
    private var closed = false
    /// Bytes lost because the driver did not read them before the ring filled (should stay 0).
    public private(set) var overflowBytes = 0

    /// Opens `device`, checks for a kernel driver, claims the interface and starts reading.
    public init(context: USBContext, device: USBDeviceInfo, endpoints: Endpoints = .feig) throws(TransportError) {
        self.context = context
        self.api = context.api
        self.device = device
        self.endpoints = endpoints
        self.label = device.description
        let h: USBHandle
        switch api.open(bus: device.bus, address: device.address) {
        case .success(let x): h = x
        case .failure(let code): throw USBErrors.map(code, "open", device)
        }
        handle = h
        do throws(TransportError) {
            try Self.claim(api, h, endpoints.interface, device)
        } catch {
            api.close(h)
            throw error
        }
        outT = USBTransfer(
            handle: h, endpoint: endpoints.outEndpoint, type: .bulk, capacity: endpoints.outCapacity,
            timeoutMillis: endpoints.sendTimeoutMillis)
        inT = USBTransfer(handle: h, endpoint: endpoints.inEndpoint, type: endpoints.inType, capacity: endpoints.packetSize)
        inbound = .allocate(byteCount: 8192, alignment: 8)
        // weak: a transfer libusb never handed back may outlive its transport (the graveyard).
        outT.onComplete = { [weak self] _ in
            guard let self else { return }
            cond.withLock { outDone = true }; cond.broadcast()
        }
        inT.onComplete = { [weak self] t in self?.inCompleted(t) }
        context.markClaimed(device, true)
        cond.lock()
        let rc = submitIn()
        cond.unlock()
        if rc != .success {
            let error = USBErrors.map(rc, "first IN transfer", device)
            teardown()
            throw error
        }
    }

    deinit { inbound.deallocate() }

    /// Kernel driver check, then claim. `libusb_kernel_driver_active` answers 1 (bound: detach
    /// it, the relay's usbhid), 0 (free), NOT_SUPPORTED, or OTHER, which umockdev's pcap replay
    /// returns (GETDRIVER answers ENOTTY). OTHER and NOT_SUPPORTED are treated as "no driver":
    /// safe, because if a driver did hold the interface the claim below fails with BUSY and
    /// says so. Auto-detach is never used (it makes the claim fail where GETDRIVER is missing).
    static func claim(_ api: any LibUSBAPI, _ h: USBHandle, _ interface: Int32, _ device: USBDeviceInfo) throws(TransportError) {
        let active = api.kernelDriverActive(h, interface: interface)
        if active == 1 {
            let rc = api.detachKernelDriver(h, interface: interface)
            if rc != .success && rc != .notFound {
                throw rc == .noDevice
                    ? USBErrors.map(rc, "detach kernel driver", device)
                    : .accessDenied(
                        "\(device.vidPid): the kernel driver bound to interface \(interface) cannot be detached (\(rc)): \(USBErrors.permissionHint)"
                    )
            }
        } else if active == LibUSBCode.noDevice.rawValue {
            throw USBErrors.map(.noDevice, "kernel driver check", device)
        }
        let rc = api.claimInterface(h, interface: interface)
        if rc != .success { throw USBErrors.map(rc, "claim interface \(interface)", device) }
    }

    /// Lock held.
    private func submitIn() -> LibUSBCode {
        inT.length = endpoints.packetSize
        let rc = api.submit(inT)
        inPending = rc == .success
        return rc
    }

    /// Event thread.
    private func inCompleted(_ t: USBTransfer) {
        cond.lock()
        switch t.status {
        case .completed:
            store(t)
            if !closing {
                let rc = submitIn()
                if rc != .success { inPending = false; gone = USBErrors.map(rc, "IN transfer", device) }
            } else {
                inPending = false
            }
        case .timedOut:
            store(t)
            if !closing { _ = submitIn() } else { inPending = false }
        case .cancelled:
            inPending = false
        case .noDevice:
            inPending = false
            gone = .disconnected("\(device.description) unplugged")
        case .stall, .error, .overflow, .pending:
            inPending = false
            gone = .io("\(device.description): IN endpoint \(hex2(endpoints.inEndpoint)) failed (\(t.status)); reopening")
        }
        cond.unlock()
        cond.broadcast()
    }

    /// Lock held: appends the completed IN bytes to the ring.
    private func store(_ t: USBTransfer) {
        let n = t.actualLength
        guard n > 0 else { return }
        for i in 0..<n {
            if inCount == inbound.count {
                overflowBytes += 1
                inHead = (inHead + 1) % inbound.count; inCount -= 1
            }
            inbound[(inHead + inCount) % inbound.count] = t.buffer[i]
            inCount += 1
        }
    }

    public func send(_ bytes: UnsafeRawBufferPointer) throws(TransportError) {
        cond.lock()
        defer { cond.unlock() }
        if closed { throw .disconnected("\(label) is closed") }
        if let gone { throw gone }
        guard bytes.count <= outT.buffer.count else { throw .io("\(label): request of \(bytes.count) bytes is too long") }
        guard outDone else { throw .io("\(label): previous request still in flight") }
        UnsafeMutableRawBufferPointer(rebasing: outT.buffer[0..<bytes.count]).copyMemory(from: bytes)
        outT.length = bytes.count
        outDone = false
        let rc = api.submit(outT)
        if rc != .success {
            outDone = true
            let error = USBErrors.map(rc, "OUT transfer", device)
            if case .disconnected = error { gone = error }
            throw error
        }
        // libusb times the transfer out itself; the extra second covers a stuck event thread.
        let deadline = monotonicNanos() &+ UInt64(endpoints.sendTimeoutMillis + 1000) * 1_000_000
        while !outDone {
            if !cond.wait(untilNanos: deadline) && !outDone {
                _ = api.cancel(outT)
                let cancelDeadline = monotonicNanos() &+ 1_000_000_000
                while !outDone && cond.wait(untilNanos: cancelDeadline) {}
                if !outDone { USBTransferGraveyard.keep(outT) }
                gone = .timedOut("\(label): request not taken within \(endpoints.sendTimeoutMillis) ms")
                throw gone!
            }
        }
        switch outT.status {
        case .completed:
            if outT.actualLength != bytes.count {
                throw .io("\(label): sent \(outT.actualLength) of \(bytes.count) bytes")
            }
        case .noDevice:
            gone = .disconnected("\(device.description) unplugged")
            throw gone!
        case .timedOut, .cancelled:
            throw .timedOut("\(label): request not taken within \(endpoints.sendTimeoutMillis) ms")
        case .stall, .error, .overflow, .pending:
            throw .io("\(label): OUT endpoint \(hex2(endpoints.outEndpoint)) failed (\(outT.status))")
        }
    }

    public func receive(into buffer: UnsafeMutableRawBufferPointer, timeoutNanos: UInt64) throws(TransportError) -> Int {
        cond.lock()
        defer { cond.unlock() }
        if closed { throw .disconnected("\(label) is closed") }
        let deadline = monotonicNanos() &+ timeoutNanos
        while inCount == 0 && gone == nil {
            if !cond.wait(untilNanos: deadline) { break }
        }
        if inCount > 0 {
            // Bytes that arrived before an unplug are still delivered first.
            let n = min(inCount, buffer.count)
            for i in 0..<n { buffer[i] = inbound[(inHead + i) % inbound.count] }
            inHead = (inHead + n) % inbound.count
            inCount -= n
            return n
        }
        if let gone { throw gone }
        return 0
    }

    public func close() { teardown() }

    private func teardown() {
        cond.lock()
        if closed { cond.unlock(); return }
        closed = true
        closing = true
        if inPending { _ = api.cancel(inT) }
        if !outDone { _ = api.cancel(outT) }
        // Wait (bounded) for libusb to hand the transfers back before their memory can go.
        let deadline = monotonicNanos() &+ 1_000_000_000
        while (inPending || !outDone) && cond.wait(untilNanos: deadline) {}
        if inPending { USBTransferGraveyard.keep(inT) }
        if !outDone { USBTransferGraveyard.keep(outT) }
        cond.unlock()
        _ = api.releaseInterface(handle, interface: endpoints.interface)
        api.close(handle)
        context.markClaimed(device, false)
    }
}

/// Transfers libusb never handed back (a wedged event loop): kept alive forever rather than
/// freed under libusb's feet. Should stay empty; a leak of a few bytes beats a crash.
enum USBTransferGraveyard {
    nonisolated(unsafe) private static var kept: [USBTransfer] = []
    private static let lock = Mutex(())
    static func keep(_ t: USBTransfer) { lock.withLock { _ in kept.append(t) } }
}
