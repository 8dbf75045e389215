import CLibUSB

/// `LibUSBAPI` over the real libusb-1.0: each method is one libusb call (or the few calls
/// enumeration needs), returning libusb's codes unchanged. No policy lives here.
public final class SystemLibUSB: LibUSBAPI, @unchecked Sendable {
    private let ctx: OpaquePointer
    private var hotplugHandle: libusb_hotplug_callback_handle = 0
    private var hotplugBox: Unmanaged<HotplugBox>?

    private final class HotplugBox {
        let callback: @Sendable (USBHotplugEvent, USBDeviceInfo) -> Void
        init(_ callback: @escaping @Sendable (USBHotplugEvent, USBDeviceInfo) -> Void) { self.callback = callback }
    }

    /// libusb_init. Fails with the libusb code (e.g. no /dev/bus/usb at all).
    public static func make() -> Result<SystemLibUSB, LibUSBCode> {
        var ctx: OpaquePointer?
        let rc = libusb_init(&ctx)
        guard rc == 0, let ctx else { return .failure(LibUSBCode(code: rc)) }
        return .success(SystemLibUSB(ctx))
    }

    private init(_ ctx: OpaquePointer) { self.ctx = ctx }

    deinit {
        if hotplugBox != nil { libusb_hotplug_deregister_callback(ctx, hotplugHandle) }
        hotplugBox?.release()
        libusb_exit(ctx)
    }

    public var hasHotplug: Bool { libusb_has_capability(UInt32(LIBUSB_CAP_HAS_HOTPLUG.rawValue)) != 0 }

    static func info(_ dev: OpaquePointer) -> USBDeviceInfo {
        var dd = libusb_device_descriptor()
        _ = libusb_get_device_descriptor(dev, &dd)
        var ports = [UInt8](repeating: 0, count: 7)
        let n = libusb_get_port_numbers(dev, &ports, Int32(ports.count))
        var ifClass: UInt8? = nil
        var interfaces: [USBInterfaceInfo] = []
        var cfg: UnsafeMutablePointer<libusb_config_descriptor>?
        if libusb_get_active_config_descriptor(dev, &cfg) == 0, let cfg {
            if cfg.pointee.bNumInterfaces > 0, let iface = cfg.pointee.interface,
                iface.pointee.num_altsetting > 0, let alt = iface.pointee.altsetting
            {
                ifClass = alt.pointee.bInterfaceClass
            }
            if let ifaces = cfg.pointee.interface {
                for i in 0..<Int(cfg.pointee.bNumInterfaces) {
                    guard ifaces[i].num_altsetting > 0, let alt = ifaces[i].altsetting else { continue }
                    var eps: [USBInterfaceInfo.Endpoint] = []
                    if let ep = alt.pointee.endpoint {
                        for e in 0..<Int(alt.pointee.bNumEndpoints) {
                            let type: USBTransferType
                            switch ep[e].bmAttributes & 0x03 {
                            case 2: type = .bulk
                            case 3: type = .interrupt
                            default: continue  // isochronous: nothing here uses it
                            }
                            eps.append(.init(address: ep[e].bEndpointAddress, type: type, maxPacketSize: Int(ep[e].wMaxPacketSize)))
                        }
                    }
                    interfaces.append(
                        USBInterfaceInfo(
                            number: alt.pointee.bInterfaceNumber, interfaceClass: alt.pointee.bInterfaceClass,
                            subclass: alt.pointee.bInterfaceSubClass, interfaceProtocol: alt.pointee.bInterfaceProtocol, endpoints: eps))
                }
            }
            libusb_free_config_descriptor(cfg)
        }
        return USBDeviceInfo(
            vendorID: dd.idVendor, productID: dd.idProduct,
            bus: libusb_get_bus_number(dev), address: libusb_get_device_address(dev),
            ports: n > 0 ? Array(ports.prefix(Int(n))) : [],
            productIndex: dd.iProduct, serialIndex: dd.iSerialNumber, interfaceClass: ifClass, interfaces: interfaces)
    }

    public func deviceList() -> Result<[USBDeviceInfo], LibUSBCode> {
        var list: UnsafeMutablePointer<OpaquePointer?>?
        let n = libusb_get_device_list(ctx, &list)
        guard n >= 0, let list else { return .failure(LibUSBCode(code: Int32(truncatingIfNeeded: n))) }
        defer { libusb_free_device_list(list, 1) }
        var out: [USBDeviceInfo] = []
        for i in 0..<Int(n) { if let dev = list[i] { out.append(Self.info(dev)) } }
        return .success(out)
    }

    public func open(bus: UInt8, address: UInt8) -> Result<USBHandle, LibUSBCode> {
        var list: UnsafeMutablePointer<OpaquePointer?>?
        let n = libusb_get_device_list(ctx, &list)
        guard n >= 0, let list else { return .failure(LibUSBCode(code: Int32(truncatingIfNeeded: n))) }
        defer { libusb_free_device_list(list, 1) }
        for i in 0..<Int(n) {
            guard let dev = list[i], libusb_get_bus_number(dev) == bus, libusb_get_device_address(dev) == address else { continue }
            var h: OpaquePointer?
            let rc = libusb_open(dev, &h)
            guard rc == 0, let h else { return .failure(LibUSBCode(code: rc)) }
            return .success(USBHandle(raw: UInt(bitPattern: Int(bitPattern: UnsafeRawPointer(h)))))
        }
        return .failure(.noDevice)
    }

    private func ptr(_ h: USBHandle) -> OpaquePointer { OpaquePointer(bitPattern: Int(bitPattern: h.raw))! }

    public func close(_ handle: USBHandle) { libusb_close(ptr(handle)) }

    public func kernelDriverActive(_ handle: USBHandle, interface: Int32) -> Int32 {
        libusb_kernel_driver_active(ptr(handle), interface)
    }

    public func detachKernelDriver(_ handle: USBHandle, interface: Int32) -> LibUSBCode {
        LibUSBCode(code: libusb_detach_kernel_driver(ptr(handle), interface))
    }

    public func claimInterface(_ handle: USBHandle, interface: Int32) -> LibUSBCode {
        LibUSBCode(code: libusb_claim_interface(ptr(handle), interface))
    }

    public func releaseInterface(_ handle: USBHandle, interface: Int32) -> LibUSBCode {
        LibUSBCode(code: libusb_release_interface(ptr(handle), interface))
    }

    public func sysfsAttribute(_ device: USBDeviceInfo, _ name: String) -> String? {
        USBSysfs.attribute(device, name)
    }

    public func stringDescriptor(_ handle: USBHandle, index: UInt8) -> String? {
        guard index != 0 else { return nil }
        var buf = [UInt8](repeating: 0, count: 128)
        let n = libusb_get_string_descriptor_ascii(ptr(handle), index, &buf, Int32(buf.count))
        guard n > 0 else { return nil }
        return String(decoding: buf.prefix(Int(n)), as: UTF8.self)
    }

    public func submit(_ transfer: USBTransfer) -> LibUSBCode {
        if transfer.backendData == nil {
            guard let x = libusb_alloc_transfer(0) else { return .noMem }
            transfer.backendData = UnsafeMutableRawPointer(x)
            transfer.backendRelease = { libusb_free_transfer($0.assumingMemoryBound(to: libusb_transfer.self)) }
        }
        let x = transfer.backendData!.assumingMemoryBound(to: libusb_transfer.self)
        x.pointee.dev_handle = ptr(transfer.handle)
        x.pointee.flags = 0
        x.pointee.endpoint = transfer.endpoint
        x.pointee.type = transfer.type.rawValue
        x.pointee.timeout = transfer.timeoutMillis
        x.pointee.buffer = transfer.buffer.baseAddress!.assumingMemoryBound(to: UInt8.self)
        x.pointee.length = Int32(transfer.length)
        x.pointee.num_iso_packets = 0
        x.pointee.user_data = Unmanaged.passUnretained(transfer).toOpaque()
        x.pointee.callback = { x in
            guard let x, let ud = x.pointee.user_data else { return }
            let t = Unmanaged<USBTransfer>.fromOpaque(ud).takeUnretainedValue()
            t.status = USBTransferStatus(rawValue: Int32(bitPattern: x.pointee.status.rawValue)) ?? .error
            t.actualLength = Int(x.pointee.actual_length)
            t.onComplete(t)
        }
        transfer.status = .pending
        transfer.actualLength = 0
        return LibUSBCode(code: libusb_submit_transfer(x))
    }

    public func cancel(_ transfer: USBTransfer) -> LibUSBCode {
        guard let d = transfer.backendData else { return .notFound }
        return LibUSBCode(code: libusb_cancel_transfer(d.assumingMemoryBound(to: libusb_transfer.self)))
    }

    public func handleEvents(timeoutMicros: Int) -> LibUSBCode {
        var tv = timeval(tv_sec: timeoutMicros / 1_000_000, tv_usec: timeoutMicros % 1_000_000)
        return LibUSBCode(code: libusb_handle_events_timeout_completed(ctx, &tv, nil))
    }

    public func interruptEventHandler() { libusb_interrupt_event_handler(ctx) }

    public func registerHotplug(_ callback: @escaping @Sendable (USBHotplugEvent, USBDeviceInfo) -> Void) -> LibUSBCode {
        guard hotplugBox == nil else { return .busy }
        let box = Unmanaged.passRetained(HotplugBox(callback))
        let events = Int32(LIBUSB_HOTPLUG_EVENT_DEVICE_ARRIVED.rawValue | LIBUSB_HOTPLUG_EVENT_DEVICE_LEFT.rawValue)
        let rc = libusb_hotplug_register_callback(
            ctx, events, 0, LIBUSB_HOTPLUG_MATCH_ANY, LIBUSB_HOTPLUG_MATCH_ANY, LIBUSB_HOTPLUG_MATCH_ANY,
            { _, dev, event, ud in
                guard let dev, let ud else { return 0 }
                let box = Unmanaged<HotplugBox>.fromOpaque(ud).takeUnretainedValue()
                let kind: USBHotplugEvent = event == LIBUSB_HOTPLUG_EVENT_DEVICE_ARRIVED ? .arrived : .left
                box.callback(kind, SystemLibUSB.info(dev))
                return 0  // stay registered
            }, box.toOpaque(), &hotplugHandle)
        if rc != 0 { box.release(); return LibUSBCode(code: rc) }
        hotplugBox = box
        return .success
    }
}
