import ReaderProtocols
import Synchronization

/// Driver for a DCTTECH USBRelayN board through libusb. Opens the board on first use (and
/// again after an unplug), detaching usbhid from its interface when it is bound.
public final class USBRelay: @unchecked Sendable {
    public let selector: USBDeviceSelector
    private let context: USBContext
    private var device: USBControlDevice?
    private let lock = Mutex(())

    public init(context: USBContext, selector: USBDeviceSelector = .dcttechRelay()) {
        self.context = context
        self.selector = selector
    }

    public var label: String { lock.withLock { _ in device.map { "\($0.device.description)" } ?? "usb \(selector)" } }
    public var isOpen: Bool { lock.withLock { _ in device != nil } }

    private func opened() throws(TransportError) -> USBControlDevice {
        if let d = lock.withLock({ _ in device }) { return d }
        let found = try USBDeviceLocator.candidates(context, selector)
        guard let pick = found.first(where: { !$0.claimedHere }) else {
            throw .disconnected("no \(selector) is plugged in")
        }
        let d = try USBControlDevice(context: context, device: pick.info)
        lock.withLock { _ in device = d }
        return d
    }

    private func run<R>(_ body: (USBControlDevice) throws(TransportError) -> R) throws(TransportError) -> R {
        let d = try opened()
        do { return try body(d) } catch {
            if case .accessDenied = error {
            } else {
                lock.withLock { _ in if device === d { device = nil } }
                d.close()
            }
            throw error
        }
    }

    public func send(_ command: DCTTechRelayProtocol.Command) throws(TransportError) {
        let report: [UInt8]
        do { report = try DCTTechRelayProtocol.report(command) } catch { throw .io(error.description) }
        let s = DCTTechRelayProtocol.setReport
        _ = try run { (d) throws(TransportError) in
            try d.control(requestType: s.0, request: s.1, value: s.2, index: s.3, data: report)
        }
    }

    public func state() throws(TransportError) -> DCTTechRelayProtocol.State {
        let g = DCTTechRelayProtocol.getReport
        let bytes = try run { (d) throws(TransportError) in
            try d.control(requestType: g.0, request: g.1, value: g.2, index: g.3, inLength: DCTTechRelayProtocol.reportLength)
        }
        // withUnsafeBytes is rethrows (untyped): carry the parse result out by hand.
        let parsed = bytes.withUnsafeBytes { b -> Result<DCTTechRelayProtocol.State, DCTTechRelayProtocol.ParseError> in
            do throws(DCTTechRelayProtocol.ParseError) { return .success(try DCTTechRelayProtocol.parseState(b)) } catch {
                return .failure(error)
            }
        }
        switch parsed {
        case .success(let s): return s
        case .failure(let e): throw .io(e.description)
        }
    }

    public func close() {
        let d = lock.withLock { (_) -> USBControlDevice? in
            defer { device = nil }; return device
        }
        d?.close()
    }
}
