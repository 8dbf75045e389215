/// Finds the device a selector means and opens it: the `open` step of a USB reader's
/// `ReconnectingTransport`, run again after every unplug.
public enum USBDeviceLocator {
    /// A device with its strings, as `rfidgatectl readers` lists it.
    public struct Found: Sendable, Equatable {
        public var info: USBDeviceInfo
        public var product: String?
        public var serial: String?
        public var claimedHere: Bool
    }

    /// Devices with one of `selector.ids`, with their product and serial strings, in bus order.
    public static func candidates(_ context: USBContext, _ selector: USBDeviceSelector) throws(TransportError) -> [Found] {
        let all: [USBDeviceInfo]
        switch context.api.deviceList() {
        case .success(let list): all = list
        case .failure(let code): throw .io("cannot list USB devices: \(code)")
        }
        return all.filter { selector.matchesWithoutStrings($0) }
            .sorted { ($0.bus, $0.portPath) < ($1.bus, $1.portPath) }
            .map { d in
                Found(
                    info: d, product: strings(context, d, "product", d.productIndex),
                    serial: strings(context, d, "serial", d.serialIndex), claimedHere: context.isClaimed(d))
            }
            .filter { f in
                if let want = selector.serial, f.serial != want { return false }
                if let prefix = selector.productPrefix, !(f.product ?? "").hasPrefix(prefix) { return false }
                return true
            }
    }

    /// sysfs first; the string descriptor (a control transfer) only if sysfs does not know.
    private static func strings(_ context: USBContext, _ d: USBDeviceInfo, _ attr: String, _ index: UInt8) -> String? {
        if let s = context.api.sysfsAttribute(d, attr) { return s }
        guard index != 0, !context.isClaimed(d), case .success(let h) = context.api.open(bus: d.bus, address: d.address) else { return nil }
        defer { context.api.close(h) }
        return context.api.stringDescriptor(h, index: index)
    }

    /// Opens the first matching device not already used by this process.
    public static func openBulk(
        _ context: USBContext, _ selector: USBDeviceSelector, endpoints: USBBulkTransport.Endpoints = .feig
    ) throws(TransportError) -> USBBulkTransport {
        let found = try candidates(context, selector)
        guard let pick = found.first(where: { !$0.claimedHere }) else {
            if found.isEmpty { throw .disconnected("no \(selector) is plugged in") }
            throw .disconnected("every \(selector) is already used by another reader of this gate")
        }
        return try USBBulkTransport(context: context, device: pick.info, endpoints: endpoints)
    }

    /// A transport that reopens the reader after an unplug; USB hotplug arrivals of a matching
    /// device wake the reader thread out of its backoff.
    public static func reconnecting(
        _ context: USBContext, _ selector: USBDeviceSelector, endpoints: USBBulkTransport.Endpoints = .feig
    ) -> ReconnectingTransport {
        let signal = ReattachSignal()
        context.watch(signal) { selector.matchesWithoutStrings($0) }
        return ReconnectingTransport(label: "usb \(selector)", reattach: signal) { () throws(TransportError) -> any ReaderTransport in
            try openBulk(context, selector, endpoints: endpoints)
        }
    }
}
