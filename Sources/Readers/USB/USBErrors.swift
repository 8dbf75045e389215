/// libusb codes turned into errors that tell a technician what to do.
enum USBErrors {
    static let permissionHint = "install udev/70-rfidgate.rules or add the user to group rfidgate"

    static func map(_ code: LibUSBCode, _ what: String, _ device: USBDeviceInfo) -> TransportError {
        let node = "/dev/bus/usb/\(pad3(device.bus))/\(pad3(device.address))"
        switch code {
        case .access:
            return .accessDenied("\(device.vidPid) (\(node)) not permitted: \(permissionHint)")
        case .busy:
            return .accessDenied(
                "\(device.vidPid) at port \(device.portPath) is in use by another program (FEIG ISOStart, usbrelay, a second rfidgated?): stop it"
            )
        case .noDevice, .notFound:
            return .disconnected("\(device.description) unplugged (\(what): \(code))")
        case .timeout:
            return .timedOut("\(device.description): \(what) timed out")
        default:
            return .io("\(device.description): \(what) failed: \(code)")
        }
    }

    static func pad3(_ v: UInt8) -> String {
        let s = String(v)
        return String(repeating: "0", count: max(0, 3 - s.count)) + s
    }
}
