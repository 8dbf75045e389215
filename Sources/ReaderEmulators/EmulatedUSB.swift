import ReaderProtocols
import Readers
import TagRing
import Threads

/// USB in software: FEIG readers (answering through `FeigEmulator`) and DCTTECH relays behind
/// the same `LibUSBAPI` seam as real libusb, so the USB transport, hotplug re-attach and the
/// relay driver run unchanged in tests, the simulated gate and benchmarks. Devices can be
/// unplugged and plugged back (with hotplug events, and a new device address as real USB
/// gives), and any call can be made to fail once (`failNext`).
///
/// Transfers complete inside `handleEvents`, on the `USBContext` event thread, as with libusb.
public final class EmulatedUSB: LibUSBAPI, @unchecked Sendable {
    public final class Device: @unchecked Sendable {
        public enum Kind { case feig(FeigEmulator), relay(channels: Int) }
        public fileprivate(set) var info: USBDeviceInfo
        public let kind: Kind
        public let product: String
        public let serial: String
        public fileprivate(set) var plugged = true
        /// The relay's state bitmask (bit k = relay k+1 on).
        public fileprivate(set) var relayMask: UInt8 = 0
        /// Relay commands received, oldest first (tests check the alarm pattern).
        public fileprivate(set) var relayCommands: [DCTTechRelayProtocol.Command] = []
        /// Unplug by itself when the Nth OUT request arrives (that request fails): an unplug
        /// in the middle of an inventory, at a reproducible point. 0 = never.
        public var unplugAtRequest = 0
        public fileprivate(set) var requests = 0
        fileprivate var kernelDriverBound: Bool
        fileprivate var claimedBy: UInt?
        fileprivate var inbound: [UInt8] = []
        fileprivate var readyAtNanos: UInt64 = 0

        init(info: USBDeviceInfo, kind: Kind, product: String, serial: String, kernelDriverBound: Bool) {
            self.info = info
            self.kind = kind
            self.product = product
            self.serial = serial
            self.kernelDriverBound = kernelDriverBound
        }
    }

    /// Calls that `failNext` can make fail.
    public enum Call: Hashable, Sendable {
        case deviceList, open, kernelDriverActive, claim, submitOut, submitIn, submitControl, completeOut, completeIn
    }

    private let cond = PthreadCondition()
    private var devices: [Device] = []
    private var handles: [UInt: Device] = [:]
    private var nextHandle: UInt = 1
    private var pending: [USBTransfer] = []
    private var hotplugQueue: [(USBHotplugEvent, USBDeviceInfo)] = []
    private var hotplugCallback: (@Sendable (USBHotplugEvent, USBDeviceInfo) -> Void)?
    private var interrupted = false
    private var faults: [Call: LibUSBCode] = [:]
    private var transferFaults: [Call: USBTransferStatus] = [:]
    private let clock: any MonotonicClock
    /// Deliver answers only after the emulator's modelled air time (real-time pacing).
    public let realTime: Bool
    public let hasHotplug: Bool
    /// Modelled air time of every FEIG exchange so far (ns).
    public private(set) var airNanosTotal: UInt64 = 0

    public init(clock: any MonotonicClock = SystemMonotonicClock(), realTime: Bool = false, hotplug: Bool = true) {
        self.clock = clock
        self.realTime = realTime
        self.hasHotplug = hotplug
    }

    // MARK: building the bench

    /// Plugs in a FEIG reader (0ab1:0002 unless told otherwise) at `port` of bus 1.
    @discardableResult
    public func addFeig(_ emulator: FeigEmulator, port: UInt8, serial: String, productID: UInt16 = 0x0002) -> Device {
        add(
            Device(
                info: USBDeviceInfo(
                    vendorID: 0x0AB1, productID: productID, bus: 1, address: 0, ports: [port],
                    productIndex: 2, serialIndex: 3, interfaceClass: 0xFF),
                kind: .feig(emulator), product: "OBID RFID-Reader", serial: serial, kernelDriverBound: false))
    }

    /// Plugs in a relay board 16c0:05df named `product` (usbhid bound to it, as on a real box).
    @discardableResult
    public func addRelay(port: UInt8, serial: String = "ABCDE", channels: Int = 2, product: String? = nil) -> Device {
        add(
            Device(
                info: USBDeviceInfo(
                    vendorID: 0x16C0, productID: 0x05DF, bus: 1, address: 0, ports: [port],
                    productIndex: 2, serialIndex: 0, interfaceClass: 0x03),
                kind: .relay(channels: channels), product: product ?? "USBRelay\(channels)", serial: serial, kernelDriverBound: true))
    }

    private func add(_ d: Device) -> Device {
        cond.withLock {
            d.info.address = nextAddress()
            devices.append(d)
            hotplugQueue.append((.arrived, d.info))
        }
        cond.broadcast()
        return d
    }

    private func nextAddress() -> UInt8 {
        var a: UInt8 = 2
        while devices.contains(where: { $0.plugged && $0.info.address == a }) || usedAddresses.contains(a) { a &+= 1 }
        usedAddresses.insert(a)
        return a
    }
    private var usedAddresses: Set<UInt8> = []

    /// Pulls the cable: pending transfers end with NO_DEVICE, handles go stale, hotplug "left".
    public func unplug(_ d: Device) {
        cond.withLock { unplugLocked(d) }
        cond.broadcast()
    }

    private func unplugLocked(_ d: Device) {
        guard d.plugged else { return }
        d.plugged = false
        d.claimedBy = nil
        d.inbound.removeAll()
        hotplugQueue.append((.left, d.info))
    }

    /// Plugs it back: a new device address, hotplug "arrived".
    public func plug(_ d: Device) {
        cond.withLock {
            guard !d.plugged else { return }
            d.info.address = nextAddress()
            d.plugged = true
            d.kernelDriverBound = { if case .relay = d.kind { return true } else { return false } }()
            hotplugQueue.append((.arrived, d.info))
        }
        cond.broadcast()
    }

    /// The next `call` returns `code` (once).
    public func failNext(_ call: Call, with code: LibUSBCode) { cond.withLock { faults[call] = code } }
    /// The next transfer of that direction completes with `status` (once): NO_DEVICE
    /// mid-transfer, a timeout, a stall.
    public func failNextTransfer(_ call: Call, with status: USBTransferStatus) { cond.withLock { transferFaults[call] = status } }

    private func fault(_ call: Call) -> LibUSBCode? { faults.removeValue(forKey: call) }

    // MARK: LibUSBAPI

    public func deviceList() -> Result<[USBDeviceInfo], LibUSBCode> {
        cond.withLock {
            if let f = fault(.deviceList) { return .failure(f) }
            return .success(devices.filter(\.plugged).map(\.info))
        }
    }

    public func open(bus: UInt8, address: UInt8) -> Result<USBHandle, LibUSBCode> {
        cond.withLock {
            if let f = fault(.open) { return .failure(f) }
            guard let d = devices.first(where: { $0.plugged && $0.info.bus == bus && $0.info.address == address }) else {
                return .failure(.noDevice)
            }
            let h = nextHandle; nextHandle += 1
            handles[h] = d
            return .success(USBHandle(raw: h))
        }
    }

    /// The device behind a live handle of a still-plugged device with this address.
    private func device(_ h: USBHandle) -> Device? {
        guard let d = handles[h.raw], d.plugged else { return nil }
        return d
    }

    public func close(_ handle: USBHandle) {
        cond.withLock {
            if let d = handles.removeValue(forKey: handle.raw), d.claimedBy == handle.raw { d.claimedBy = nil }
        }
    }

    public func kernelDriverActive(_ handle: USBHandle, interface: Int32) -> Int32 {
        cond.withLock {
            if let f = fault(.kernelDriverActive) { return f.rawValue }
            guard let d = device(handle) else { return LibUSBCode.noDevice.rawValue }
            return d.kernelDriverBound ? 1 : 0
        }
    }

    public func detachKernelDriver(_ handle: USBHandle, interface: Int32) -> LibUSBCode {
        cond.withLock {
            guard let d = device(handle) else { return .noDevice }
            guard d.kernelDriverBound else { return .notFound }
            d.kernelDriverBound = false
            return .success
        }
    }

    public func claimInterface(_ handle: USBHandle, interface: Int32) -> LibUSBCode {
        cond.withLock {
            if let f = fault(.claim) { return f }
            guard let d = device(handle) else { return .noDevice }
            if d.kernelDriverBound { return .busy }
            if let owner = d.claimedBy, owner != handle.raw { return .busy }
            d.claimedBy = handle.raw
            return .success
        }
    }

    public func releaseInterface(_ handle: USBHandle, interface: Int32) -> LibUSBCode {
        cond.withLock {
            guard let d = device(handle) else { return .noDevice }
            if d.claimedBy == handle.raw { d.claimedBy = nil }
            return .success
        }
    }

    public func sysfsAttribute(_ device: USBDeviceInfo, _ name: String) -> String? {
        cond.withLock {
            guard let d = devices.first(where: { $0.plugged && $0.info == device }) else { return nil }
            switch name {
            case "product": return d.product
            case "serial": return d.serial.isEmpty ? nil : d.serial
            case "manufacturer": if case .feig = d.kind { return "FEIG ELECTRONIC GmbH" } else { return "www.dcttech.com" }
            default: return nil
            }
        }
    }

    public func stringDescriptor(_ handle: USBHandle, index: UInt8) -> String? {
        cond.withLock {
            guard let d = device(handle) else { return nil }
            return index == d.info.productIndex ? d.product : index == d.info.serialIndex ? d.serial : nil
        }
    }

    public func submit(_ transfer: USBTransfer) -> LibUSBCode {
        let rc: LibUSBCode = cond.withLock {
            let call: Call = transfer.type == .control ? .submitControl : transfer.isIn ? .submitIn : .submitOut
            if let f = fault(call) { return f }
            guard let d = device(transfer.handle) else { return .noDevice }
            guard transfer.type == .control || d.claimedBy == transfer.handle.raw else { return .io }
            transfer.status = .pending
            transfer.actualLength = 0
            pending.append(transfer)
            return .success
        }
        if rc == .success { cond.broadcast() }
        return rc
    }

    public func cancel(_ transfer: USBTransfer) -> LibUSBCode {
        let found: Bool = cond.withLock {
            guard pending.contains(where: { $0 === transfer }) else { return false }
            transfer.status = .cancelled
            return true
        }
        if found { cond.broadcast() }
        return found ? .success : .notFound
    }

    public func interruptEventHandler() {
        cond.withLock { interrupted = true }
        cond.broadcast()
    }

    public func registerHotplug(_ callback: @escaping @Sendable (USBHotplugEvent, USBDeviceInfo) -> Void) -> LibUSBCode {
        cond.withLock { hotplugCallback = callback }
        return hasHotplug ? .success : .notSupported
    }

    public func handleEvents(timeoutMicros: Int) -> LibUSBCode {
        let deadline = monotonicNanos() &+ UInt64(timeoutMicros) * 1000
        cond.lock()
        while true {
            var done: [USBTransfer] = []
            var wakeAt = deadline
            var i = 0
            while i < pending.count {
                let t = pending[i]
                if let next = progress(t) {
                    if next == 0 {
                        pending.remove(at: i); done.append(t); continue
                    }
                    wakeAt = min(wakeAt, next)
                }
                i += 1
            }
            let events = hotplugQueue
            hotplugQueue.removeAll()
            let callback = hotplugCallback
            if !done.isEmpty || !events.isEmpty || interrupted {
                interrupted = false
                cond.unlock()
                if hasHotplug, let callback { for (e, info) in events { callback(e, info) } }
                for t in done { t.onComplete(t) }
                return .success
            }
            if monotonicNanos() >= deadline { cond.unlock(); return .timeout }
            cond.wait(untilNanos: wakeAt)
        }
    }

    /// Lock held. Returns 0 when `t` has completed (status set), a wake-up time when it waits
    /// for the emulated air time, nil when it waits for data.
    private func progress(_ t: USBTransfer) -> UInt64? {
        if t.status == .cancelled { return 0 }
        guard let d = handles[t.handle.raw], d.plugged else { t.status = .noDevice; return 0 }
        switch t.type {
        case .control:
            return control(t, d)
        case .bulk, .interrupt:
            if !t.isIn {
                if let s = transferFaults.removeValue(forKey: .completeOut) { t.status = s; return 0 }
                d.requests += 1
                if d.unplugAtRequest > 0 && d.requests >= d.unplugAtRequest {
                    d.unplugAtRequest = 0
                    unplugLocked(d)
                    t.status = .noDevice
                    return 0
                }
                if case .feig(let emulator) = d.kind {
                    let now = clock.nanoseconds()
                    let (answer, air) = emulator.handle(UnsafeRawBufferPointer(rebasing: t.buffer[0..<t.length]), atNanos: now)
                    airNanosTotal &+= air
                    d.inbound.append(contentsOf: answer)
                    d.readyAtNanos = realTime ? monotonicNanos() &+ air : 0
                }
                t.actualLength = t.length
                t.status = .completed
                return 0
            }
            if let s = transferFaults.removeValue(forKey: .completeIn) { t.status = s; return 0 }
            guard !d.inbound.isEmpty else { return nil }
            if d.readyAtNanos > monotonicNanos() { return d.readyAtNanos }
            let n = min(t.length, d.inbound.count)
            for k in 0..<n { t.buffer[k] = d.inbound[k] }
            d.inbound.removeFirst(n)
            t.actualLength = n
            t.status = .completed
            return 0
        }
    }

    /// Lock held: the relay's HID feature reports.
    private func control(_ t: USBTransfer, _ d: Device) -> UInt64? {
        guard case .relay(let channels) = d.kind, t.length >= 8 else { t.status = .stall; return 0 }
        let requestType = t.buffer[0], request = t.buffer[1]
        let wLength = Int(t.buffer[6]) | Int(t.buffer[7]) << 8
        if (requestType, request) == (DCTTechRelayProtocol.setReport.0, DCTTechRelayProtocol.setReport.1) {
            guard t.length >= 8 + 8, let c = DCTTechRelayProtocol.parseCommand(UnsafeRawBufferPointer(rebasing: t.buffer[8..<16])) else {
                t.status = .stall; return 0
            }
            d.relayCommands.append(c)
            d.relayMask = DCTTechRelayProtocol.apply(c, to: d.relayMask, channels: channels)
            t.actualLength = wLength
            t.status = .completed
            return 0
        }
        if (requestType, request) == (DCTTechRelayProtocol.getReport.0, DCTTechRelayProtocol.getReport.1), t.length >= 16 {
            let serial = Array(d.serial.utf8.prefix(5))
            for k in 0..<8 { t.buffer[8 + k] = 0 }
            for (k, b) in serial.enumerated() { t.buffer[8 + k] = b }
            t.buffer[15] = d.relayMask
            t.actualLength = 8
            t.status = .completed
            return 0
        }
        t.status = .stall
        return 0
    }
}
