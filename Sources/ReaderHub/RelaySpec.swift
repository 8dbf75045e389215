/// A USB relay board that switches a light or buzzer (`[alarm_output]`). It shares the libusb
/// context of the USB readers, so the hub's factory builds it.
public struct RelaySpec: Sendable, Equatable {
    public enum Kind: String, Sendable, CaseIterable {
        /// DCTTECH USBRelayN board (16c0:05df, product USBRelay*).
        case usbRelay = "usb-relay"
    }
    public var kind: Kind = .usbRelay
    /// Relay channels switched on for an alarm (1...8).
    public var relays: [UInt8] = [1]
    /// How long they stay on after the last alarm.
    public var pulseMillis = 3000
    public var usbSerial: String?
    public var usbPort: String?
    public init() {}
}
