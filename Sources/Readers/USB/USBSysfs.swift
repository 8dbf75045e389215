#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

/// Reads a USB device's string attributes (product, serial, manufacturer) from sysfs, as udev
/// does. Cheaper than string descriptors (no control transfer to a reader that may be busy),
/// and what umockdev fakes, so the same code runs in tests.
enum USBSysfs {
    static let root = "/sys/bus/usb/devices"

    static func attribute(_ device: USBDeviceInfo, _ name: String) -> String? {
        let path = "\(root)/\(device.portPath)/\(name)"
        guard let f = fopen(path, "r") else { return nil }
        defer { fclose(f) }
        var buf = [CChar](repeating: 0, count: 256)
        guard fgets(&buf, Int32(buf.count), f) != nil else { return nil }
        var s = String(decoding: buf.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
        while let last = s.last, last == "\n" || last == " " { s.removeLast() }
        return s
    }
}

/// Which USB device a reader or relay should use. Without `serial`/`portPath` the first
/// matching device not already used by this process is taken.
public struct USBDeviceSelector: Sendable, Equatable, CustomStringConvertible {
    public struct ID: Sendable, Equatable, Hashable {
        public var vendor: UInt16
        public var product: UInt16
        public init(_ vendor: UInt16, _ product: UInt16) { self.vendor = vendor; self.product = product }
    }

    public var ids: [ID]
    /// The device's serial number string (`lsusb -v`, `udevadm info`): pins one of several.
    public var serial: String?
    /// Bus and port path as udev names it ("1-2", "1-1.3"): pins a USB socket.
    public var portPath: String?
    /// The product string must start with this (shared VID:PIDs such as the V-USB relay).
    public var productPrefix: String?
    /// What the technician should plug in ("FEIG reader", "USB relay").
    public var what: String

    public init(ids: [ID], serial: String? = nil, portPath: String? = nil, productPrefix: String? = nil, what: String) {
        self.ids = ids
        self.serial = serial
        self.portPath = portPath
        self.productPrefix = productPrefix
        self.what = what
    }

    /// FEIG OBID readers: 0ab1:0002 (MR101/MR102/MRU102, LRM2500), 0ab1:0004 (classic-pro).
    public static func feig(serial: String? = nil, portPath: String? = nil) -> USBDeviceSelector {
        USBDeviceSelector(ids: [ID(0x0AB1, 0x0002), ID(0x0AB1, 0x0004)], serial: serial, portPath: portPath, what: "FEIG reader")
    }

    /// DCTTECH USBRelayN on the shared V-USB ID 16c0:05df, told apart by its product string.
    public static func dcttechRelay(serial: String? = nil, portPath: String? = nil) -> USBDeviceSelector {
        USBDeviceSelector(ids: [ID(0x16C0, 0x05DF)], serial: serial, portPath: portPath, productPrefix: "USBRelay", what: "USB relay")
    }

    /// VID:PID and port match (what hotplug can check without opening the device).
    public func matchesWithoutStrings(_ d: USBDeviceInfo) -> Bool {
        ids.contains(ID(d.vendorID, d.productID)) && (portPath == nil || portPath == d.portPath)
    }

    public var description: String {
        var s = what + " " + ids.map { hex4($0.vendor) + ":" + hex4($0.product) }.joined(separator: "/")
        if let serial { s += " serial \(serial)" }
        if let portPath { s += " at USB port \(portPath)" }
        if let productPrefix { s += " named \(productPrefix)*" }
        return s
    }
}
