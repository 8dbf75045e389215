import ReaderProtocols

/// The thin wrapper every libusb call goes through. `SystemLibUSB` forwards each method to the
/// libusb function of the same name and returns libusb's own codes; `EmulatedUSB` implements it
/// in software (FEIG readers and relays that can be unplugged), and `FaultInjectingLibUSB`
/// wraps either to make chosen calls fail. The USB transport, the relay driver and hotplug
/// only ever see this protocol, so every error path is reachable from a test.
///
/// Threading: `handleEvents` runs on the one USB event thread; transfer completions and
/// hotplug callbacks are delivered from inside it. Everything else may be called from reader
/// threads.
public protocol LibUSBAPI: AnyObject, Sendable {
    /// Whether hotplug notifications work here (libusb built with udev, netlink reachable).
    var hasHotplug: Bool { get }
    /// libusb_get_device_list + descriptors + port numbers, then the list is freed again.
    func deviceList() -> Result<[USBDeviceInfo], LibUSBCode>
    /// libusb_open of the device at `bus`/`address` (found by enumerating again).
    func open(bus: UInt8, address: UInt8) -> Result<USBHandle, LibUSBCode>
    func close(_ handle: USBHandle)
    /// libusb_kernel_driver_active: 1 a driver is bound, 0 none, or a negative libusb code.
    func kernelDriverActive(_ handle: USBHandle, interface: Int32) -> Int32
    func detachKernelDriver(_ handle: USBHandle, interface: Int32) -> LibUSBCode
    func claimInterface(_ handle: USBHandle, interface: Int32) -> LibUSBCode
    func releaseInterface(_ handle: USBHandle, interface: Int32) -> LibUSBCode
    /// libusb_get_string_descriptor_ascii (a control transfer: slow, avoided when sysfs knows).
    func stringDescriptor(_ handle: USBHandle, index: UInt8) -> String?
    /// libusb_submit_transfer; `transfer.onComplete` runs on the event thread.
    func submit(_ transfer: USBTransfer) -> LibUSBCode
    /// libusb_cancel_transfer; the transfer then completes with `.cancelled`.
    func cancel(_ transfer: USBTransfer) -> LibUSBCode
    /// libusb_handle_events_timeout_completed: waits up to `timeoutMicros` for events.
    func handleEvents(timeoutMicros: Int) -> LibUSBCode
    /// libusb_interrupt_event_handler: makes a running `handleEvents` return now.
    func interruptEventHandler()
    /// A string attribute of the device from sysfs ("product", "serial", "manufacturer"), as
    /// udev sees it; nil when unknown. Not libusb, but the same seam so emulators can answer.
    func sysfsAttribute(_ device: USBDeviceInfo, _ name: String) -> String?
    /// libusb_hotplug_register_callback for every device (arrived and left, enumerate first).
    func registerHotplug(_ callback: @escaping @Sendable (USBHotplugEvent, USBDeviceInfo) -> Void) -> LibUSBCode
}

/// libusb's return codes (libusb.h `enum libusb_error`).
public enum LibUSBCode: Int32, Error, Sendable, Equatable, CustomStringConvertible {
    case success = 0
    case io = -1
    case invalidParam = -2
    case access = -3
    case noDevice = -4
    case notFound = -5
    case busy = -6
    case timeout = -7
    case overflow = -8
    case pipe = -9
    case interrupted = -10
    case noMem = -11
    case notSupported = -12
    case other = -99

    public init(code: Int32) { self = LibUSBCode(rawValue: code) ?? .other }

    public var description: String {
        switch self {
        case .success: "LIBUSB_SUCCESS"
        case .io: "LIBUSB_ERROR_IO"
        case .invalidParam: "LIBUSB_ERROR_INVALID_PARAM"
        case .access: "LIBUSB_ERROR_ACCESS"
        case .noDevice: "LIBUSB_ERROR_NO_DEVICE"
        case .notFound: "LIBUSB_ERROR_NOT_FOUND"
        case .busy: "LIBUSB_ERROR_BUSY"
        case .timeout: "LIBUSB_ERROR_TIMEOUT"
        case .overflow: "LIBUSB_ERROR_OVERFLOW"
        case .pipe: "LIBUSB_ERROR_PIPE"
        case .interrupted: "LIBUSB_ERROR_INTERRUPTED"
        case .noMem: "LIBUSB_ERROR_NO_MEM"
        case .notSupported: "LIBUSB_ERROR_NOT_SUPPORTED"
        case .other: "LIBUSB_ERROR_OTHER"
        }
    }
}

/// An open device. `raw` is the libusb_device_handle pointer (system backend) or a number
/// (emulator); only the backend that made it looks inside.
public struct USBHandle: Sendable, Hashable {
    public let raw: UInt
    public init(raw: UInt) { self.raw = raw }
}

/// One device as enumeration sees it, before opening.
public struct USBDeviceInfo: Sendable, Equatable, CustomStringConvertible {
    public var vendorID: UInt16
    public var productID: UInt16
    public var bus: UInt8
    public var address: UInt8
    /// Port numbers from the root hub down: [2] is "1-2", [1, 3] is "1-1.3" on bus 1.
    public var ports: [UInt8]
    /// String descriptor indices (0 = none).
    public var productIndex: UInt8
    public var serialIndex: UInt8
    /// bInterfaceClass of interface 0 (0xFF vendor-specific, 0x03 HID), if known.
    public var interfaceClass: UInt8?
    /// Every interface of the active configuration (first alternate setting) with its
    /// endpoints; empty when the backend does not say (the emulator).
    public var interfaces: [USBInterfaceInfo]

    public init(
        vendorID: UInt16, productID: UInt16, bus: UInt8, address: UInt8, ports: [UInt8],
        productIndex: UInt8 = 0, serialIndex: UInt8 = 0, interfaceClass: UInt8? = nil, interfaces: [USBInterfaceInfo] = []
    ) {
        self.interfaces = interfaces
        self.vendorID = vendorID
        self.productID = productID
        self.bus = bus
        self.address = address
        self.ports = ports
        self.productIndex = productIndex
        self.serialIndex = serialIndex
        self.interfaceClass = interfaceClass
    }

    /// "0ab1:0002"
    public var vidPid: String { hex4(vendorID) + ":" + hex4(productID) }
    /// The sysfs / udev name of the port: "1-2", "1-1.3" (stable while the cable stays in that port).
    public var portPath: String {
        ports.isEmpty ? "\(bus)-0" : "\(bus)-" + ports.map { String($0) }.joined(separator: ".")
    }
    public var description: String { "usb \(vidPid) bus \(bus) port \(portPath) dev \(address)" }
}

/// One interface of a device's active configuration, as its descriptors say.
public struct USBInterfaceInfo: Sendable, Equatable {
    public struct Endpoint: Sendable, Equatable {
        /// bEndpointAddress: bit 7 set = IN.
        public var address: UInt8
        public var type: USBTransferType
        public var maxPacketSize: Int
        public init(address: UInt8, type: USBTransferType, maxPacketSize: Int) {
            self.address = address
            self.type = type
            self.maxPacketSize = maxPacketSize
        }
        public var isIn: Bool { address & 0x80 != 0 }
    }

    public var number: UInt8
    /// bInterfaceClass (0x07 printer, 0x03 HID, 0xFF vendor-specific), subclass, protocol.
    public var interfaceClass: UInt8
    public var subclass: UInt8
    public var interfaceProtocol: UInt8
    public var endpoints: [Endpoint]

    public init(number: UInt8, interfaceClass: UInt8, subclass: UInt8 = 0, interfaceProtocol: UInt8 = 0, endpoints: [Endpoint]) {
        self.number = number
        self.interfaceClass = interfaceClass
        self.subclass = subclass
        self.interfaceProtocol = interfaceProtocol
        self.endpoints = endpoints
    }
}

public enum USBHotplugEvent: Sendable, Equatable { case arrived, left }

/// How a transfer ended (libusb.h `enum libusb_transfer_status`).
public enum USBTransferStatus: Int32, Sendable, Equatable {
    case completed = 0, error = 1, timedOut = 2, cancelled = 3, stall = 4, noDevice = 5, overflow = 6
    case pending = -1
}

public enum USBTransferType: UInt8, Sendable { case control = 0, bulk = 2, interrupt = 3 }

/// One reusable asynchronous transfer with its own buffer: submitted, completed on the event
/// thread, submitted again. Allocated once per endpoint, so steady-state I/O does not allocate.
public final class USBTransfer: @unchecked Sendable {
    public let handle: USBHandle
    public let endpoint: UInt8
    public let type: USBTransferType
    /// For control transfers the first 8 bytes are the setup packet.
    public let buffer: UnsafeMutableRawBufferPointer
    /// Bytes to send (OUT) or room to receive (IN), including a control setup packet.
    public var length: Int
    /// 0 = no timeout.
    public var timeoutMillis: UInt32
    public var status: USBTransferStatus = .pending
    public var actualLength = 0
    /// Runs on the event thread when the transfer ends (any status).
    public var onComplete: (USBTransfer) -> Void = { _ in }
    /// Backend-private storage (the libusb_transfer pointer).
    public var backendData: UnsafeMutableRawPointer?
    public var backendRelease: ((UnsafeMutableRawPointer) -> Void)?

    public init(handle: USBHandle, endpoint: UInt8, type: USBTransferType, capacity: Int, timeoutMillis: UInt32 = 0) {
        self.handle = handle
        self.endpoint = endpoint
        self.type = type
        self.buffer = .allocate(byteCount: max(capacity, 8), alignment: 8)
        self.buffer.initializeMemory(as: UInt8.self, repeating: 0)
        self.length = capacity
        self.timeoutMillis = timeoutMillis
    }

    deinit {
        if let d = backendData { backendRelease?(d) }
        buffer.deallocate()
    }

    public var isIn: Bool { endpoint & 0x80 != 0 }

    /// Writes a control setup packet into the first 8 bytes.
    public func setSetup(requestType: UInt8, request: UInt8, value: UInt16, index: UInt16, length: UInt16) {
        buffer[0] = requestType; buffer[1] = request
        buffer[2] = UInt8(truncatingIfNeeded: value); buffer[3] = UInt8(truncatingIfNeeded: value >> 8)
        buffer[4] = UInt8(truncatingIfNeeded: index); buffer[5] = UInt8(truncatingIfNeeded: index >> 8)
        buffer[6] = UInt8(truncatingIfNeeded: length); buffer[7] = UInt8(truncatingIfNeeded: length >> 8)
    }
}

/// "0ab1": lower-case, as lsusb and udev print VID:PID.
@inline(__always)
func hex4(_ v: UInt16) -> String { (hex2(UInt8(v >> 8)) + hex2(UInt8(v & 0xFF))).lowercased() }
