import ReaderProtocols
import Synchronization
import Threads

/// Why a receipt did not print, in words for the technician.
public enum PrinterError: Error, Sendable, Equatable, CustomStringConvertible {
    /// No printer is plugged in (or none matches the configured vendor:product).
    case notFound(String)
    /// The device node is not ours to open, or another program holds the interface.
    case permission(String)
    /// The printer stopped taking data (out of paper, cover open, jammed): `sent` bytes went out.
    case timeout(String, sent: Int)
    /// Unplugged (or powered off) while printing: `sent` bytes went out.
    case unplugged(String, sent: Int)
    case io(String)

    public var description: String {
        switch self {
        case .notFound(let s): "receipt printer not found: \(s)"
        case .permission(let s): "receipt printer not accessible: \(s)"
        case .timeout(let s, let sent): "receipt printer timed out after \(sent) bytes: \(s)"
        case .unplugged(let s, let sent): "receipt printer unplugged after \(sent) bytes: \(s)"
        case .io(let s): "receipt printer failed: \(s)"
        }
    }
}

/// A USB receipt printer (USB printer class 7, or a configured vendor:product with a bulk OUT
/// endpoint): each `print` finds the device, claims its interface (detaching `usblp` if the
/// kernel bound it), writes the bytes on the bulk OUT endpoint in chunks, each with a timeout,
/// and releases it again, so a printer unplugged and plugged back in between two receipts
/// simply works. Nothing is read back (many receipt printers have no IN endpoint).
///
/// `print` blocks up to one timeout per chunk: call it from a thread that may block (a
/// Dispatch queue), never from the cooperative pool. Prints are serialised.
public final class USBReceiptPrinter: Sendable {
    public struct Options: Sendable, Equatable {
        /// Bytes per bulk OUT transfer.
        public var chunkBytes = 4096
        /// Longest wait for the printer to take one chunk.
        public var timeoutMillis: UInt32 = 5000
        public init(chunkBytes: Int = 4096, timeoutMillis: UInt32 = 5000) {
            self.chunkBytes = max(chunkBytes, 64)
            self.timeoutMillis = timeoutMillis
        }
    }

    /// Where the bytes go: the interface to claim and its bulk OUT endpoint.
    public struct Target: Sendable, Equatable {
        public var device: USBDeviceInfo
        public var interface: UInt8
        public var endpoint: UInt8
    }

    public static let printerClass: UInt8 = 0x07

    private let context: USBContext
    public let vendor: UInt16?
    public let product: UInt16?
    public let options: Options
    private let busy = Mutex(())

    /// `vendor`/`product` nil: the first device with a printer-class interface.
    public init(context: USBContext, vendor: UInt16? = nil, product: UInt16? = nil, options: Options = Options()) {
        self.context = context
        self.vendor = vendor
        self.product = product
        self.options = options
    }

    /// What `print` looks for, as a technician reads it.
    public var wanted: String {
        switch (vendor, product) {
        case (let v?, let p?): "USB printer \(hex4(v)):\(hex4(p))"
        case (let v?, nil): "USB printer of vendor \(hex4(v))"
        case (nil, let p?): "USB printer of product \(hex4(p))"
        case (nil, nil): "USB printer (interface class 7)"
        }
    }

    /// The interface and bulk OUT endpoint a device offers for printing: its printer-class
    /// interface, or (only for a configured vendor:product, as some receipt printers present
    /// themselves as vendor-specific) the first interface with a bulk OUT endpoint.
    public static func target(_ d: USBDeviceInfo, configured: Bool) -> Target? {
        func out(_ i: USBInterfaceInfo) -> UInt8? { i.endpoints.first { !$0.isIn && $0.type == .bulk }?.address }
        if let i = d.interfaces.first(where: { $0.interfaceClass == printerClass }), let ep = out(i) {
            return Target(device: d, interface: i.number, endpoint: ep)
        }
        if configured, let i = d.interfaces.first(where: { out($0) != nil }), let ep = out(i) {
            return Target(device: d, interface: i.number, endpoint: ep)
        }
        return nil
    }

    /// The printer `print` would use now.
    public func find() throws(PrinterError) -> Target {
        let all: [USBDeviceInfo]
        switch context.api.deviceList() {
        case .success(let list): all = list
        case .failure(let code): throw .io("cannot list USB devices: \(code)")
        }
        let configured = vendor != nil || product != nil
        let matching = all.filter { d in
            (vendor == nil || d.vendorID == vendor) && (product == nil || d.productID == product)
        }
        .sorted { ($0.bus, $0.portPath) < ($1.bus, $1.portPath) }
        if let t = matching.lazy.compactMap({ Self.target($0, configured: configured) }).first { return t }
        if let d = matching.first {
            throw .notFound("\(d.description) has no printer interface with a bulk OUT endpoint")
        }
        throw .notFound("no \(wanted) is plugged in")
    }

    /// Sends `bytes` to the printer. Returns when the printer has taken all of them.
    public func print(_ bytes: [UInt8]) throws(PrinterError) {
        try busy.withLock { _ throws(PrinterError) in try printLocked(bytes) }
    }

    private func printLocked(_ bytes: [UInt8]) throws(PrinterError) {
        let target = try find()
        let api = context.api
        let device = target.device
        let handle: USBHandle
        switch api.open(bus: device.bus, address: device.address) {
        case .success(let h): handle = h
        case .failure(let code): throw Self.map(code, "open", device, sent: 0)
        }
        defer { api.close(handle) }
        do throws(TransportError) {
            try USBBulkTransport.claim(api, handle, Int32(target.interface), device)
        } catch {
            throw Self.map(error, sent: 0)
        }
        defer { _ = api.releaseInterface(handle, interface: Int32(target.interface)) }
        let transfer = USBTransfer(
            handle: handle, endpoint: target.endpoint, type: .bulk, capacity: options.chunkBytes, timeoutMillis: options.timeoutMillis)
        let cond = PthreadCondition()
        var done = false
        transfer.onComplete = { _ in
            cond.withLock { done = true }
            cond.broadcast()
        }
        var sent = 0
        while sent < bytes.count {
            let n = min(options.chunkBytes, bytes.count - sent)
            bytes.withUnsafeBytes { src in
                UnsafeMutableRawBufferPointer(rebasing: transfer.buffer[0..<n]).copyMemory(
                    from: UnsafeRawBufferPointer(rebasing: src[sent..<sent + n]))
            }
            transfer.length = n
            cond.withLock { done = false }
            let rc = api.submit(transfer)
            if rc != .success { throw Self.map(rc, "bulk OUT", device, sent: sent) }
            // libusb times the transfer out itself; the extra second covers a stuck event thread.
            let deadline = monotonicNanos() &+ (UInt64(options.timeoutMillis) + 1000) * 1_000_000
            cond.lock()
            while !done && cond.wait(untilNanos: deadline) {}
            if !done {
                _ = api.cancel(transfer)
                let again = monotonicNanos() &+ 1_000_000_000
                while !done && cond.wait(untilNanos: again) {}
            }
            let finished = done
            cond.unlock()
            if !finished {
                USBTransferGraveyard.keep(transfer)
                throw .timeout("\(device.description): no completion from libusb", sent: sent)
            }
            switch transfer.status {
            case .completed:
                sent += transfer.actualLength
                if transfer.actualLength < n {
                    throw .io("\(device.description): the printer took \(transfer.actualLength) of \(n) bytes")
                }
            case .timedOut, .cancelled:
                throw .timeout(
                    "\(device.description) took no data for \(options.timeoutMillis) ms (out of paper, cover open?)",
                    sent: sent + transfer.actualLength)
            case .noDevice:
                throw .unplugged(device.description, sent: sent + transfer.actualLength)
            case .stall, .error, .overflow, .pending:
                throw .io("\(device.description): bulk OUT \(hex2(target.endpoint)) failed (\(transfer.status))")
            }
        }
    }

    static func map(_ code: LibUSBCode, _ what: String, _ device: USBDeviceInfo, sent: Int) -> PrinterError {
        map(USBErrors.map(code, what, device), sent: sent)
    }

    static func map(_ e: TransportError, sent: Int) -> PrinterError {
        switch e {
        case .accessDenied(let s): return .permission(s)
        case .disconnected(let s): return .unplugged(s, sent: sent)
        case .timedOut(let s): return .timeout(s, sent: sent)
        case .io(let s): return .io(s)
        }
    }
}
