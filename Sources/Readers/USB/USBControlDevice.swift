import Threads

/// An opened and claimed USB device spoken to with control transfers only (the HID relay):
/// no endpoints of its own, one reusable transfer, completion handed over from the event thread.
public final class USBControlDevice: @unchecked Sendable {
    public let device: USBDeviceInfo
    private let context: USBContext
    private let handle: USBHandle
    private let transfer: USBTransfer
    private let cond = PthreadCondition()
    private var done = true
    private var closed = false
    public let interface: Int32

    public init(context: USBContext, device: USBDeviceInfo, interface: Int32 = 0) throws(TransportError) {
        self.context = context
        self.device = device
        self.interface = interface
        switch context.api.open(bus: device.bus, address: device.address) {
        case .success(let h): handle = h
        case .failure(let code): throw USBErrors.map(code, "open", device)
        }
        do throws(TransportError) {
            try USBBulkTransport.claim(context.api, handle, interface, device)
        } catch {
            context.api.close(handle)
            throw error
        }
        transfer = USBTransfer(handle: handle, endpoint: 0, type: .control, capacity: 8 + 64, timeoutMillis: 1000)
        transfer.onComplete = { [weak self] _ in
            guard let self else { return }
            cond.withLock { done = true }; cond.broadcast()
        }
        context.markClaimed(device, true)
    }

    /// One control transfer. OUT: `data` is sent; IN: up to `inLength` bytes come back.
    public func control(
        requestType: UInt8, request: UInt8, value: UInt16, index: UInt16, data: [UInt8] = [], inLength: Int = 0
    ) throws(TransportError) -> [UInt8] {
        cond.lock()
        defer { cond.unlock() }
        if closed { throw .disconnected("\(device.description) is closed") }
        let isIn = requestType & 0x80 != 0
        let length = isIn ? inLength : data.count
        guard length <= 64 else { throw .io("control transfer of \(length) bytes is too long") }
        transfer.setSetup(requestType: requestType, request: request, value: value, index: index, length: UInt16(length))
        for (i, b) in data.enumerated() { transfer.buffer[8 + i] = b }
        transfer.length = 8 + length
        done = false
        let rc = context.api.submit(transfer)
        if rc != .success { done = true; throw USBErrors.map(rc, "control transfer", device) }
        let deadline = monotonicNanos() &+ 2_000_000_000
        while !done {
            if !cond.wait(untilNanos: deadline) && !done {
                _ = context.api.cancel(transfer)
                let d2 = monotonicNanos() &+ 1_000_000_000
                while !done && cond.wait(untilNanos: d2) {}
                if !done { USBTransferGraveyard.keep(transfer) }
                throw .timedOut("\(device.description): control transfer not answered")
            }
        }
        switch transfer.status {
        case .completed:
            return isIn ? (0..<min(transfer.actualLength, length)).map { transfer.buffer[8 + $0] } : []
        case .noDevice: throw .disconnected("\(device.description) unplugged")
        case .timedOut, .cancelled: throw .timedOut("\(device.description): control transfer timed out")
        case .stall: throw .io("\(device.description): device refused the request (stall)")
        case .error, .overflow, .pending: throw .io("\(device.description): control transfer failed (\(transfer.status))")
        }
    }

    public func close() {
        let already = cond.withLock { () -> Bool in
            defer { closed = true }; return closed
        }
        guard !already else { return }
        _ = context.api.releaseInterface(handle, interface: interface)
        context.api.close(handle)
        context.markClaimed(device, false)
    }

    deinit { close() }
}
