/// One reader as configured (`[[readers]]` in the TOML file): which driver, on which wire, with
/// which antennas, outputs and beam. The same for every role: a gate's aisle readers and a
/// station's pad reader are both built from it by `ReaderFactory`.
public struct ReaderSpec: Sendable, Equatable {
    public enum Driver: String, Sendable, CaseIterable {
        /// FEIG advanced protocol over an in-memory wire to the emulator, looking into the
        /// simulated world (the gate's patrons walking through).
        case feigSim = "feig-sim"
        /// FEIG MR101/MR102/MRU102 (0ab1:0002/0004) on USB through libusb, re-attached on hotplug.
        case feigUSB = "feig-usb"
        /// FEIG LR/LRU gate on the LAN (advanced protocol over TCP, default port 10001).
        case feigTCP = "feig-tcp"
        /// UHF reader or gate speaking LLRP 1.0.1 over TCP (default port 5084).
        case llrp = "llrp"

        public var isTCP: Bool { self == .feigTCP || self == .llrp }
        /// FEIG readers have digital outputs and inputs RFIDGate can use; LLRP ones are not
        /// driven (yet), so their keys are refused rather than ignored.
        public var hasDigitalIO: Bool { self != .llrp }
        public var defaultPort: Int { self == .llrp ? 5084 : 10001 }
    }
    public var id: String
    public var driver: Driver
    public var antennas: [UInt8]
    public var memoryBytes: Int
    public var responseTimeoutMillis: Int
    /// feig-usb: pin the reader by its USB serial number string, or by the USB port
    /// ("1-2", as udev names it). Unset: the first FEIG reader not used by another entry.
    public var usbSerial: String?
    public var usbPort: String?
    /// feig-tcp, llrp: the reader's address and port.
    public var host: String?
    public var port: Int?
    /// The reader's own outputs switched on alarms (light, buzzer): a pulse of the alarm
    /// hold time each. Empty: none.
    public var alarmOutputs: [UInt8] = []
    /// The people-counting beam on this reader's inputs; nil: none.
    public var beam: BeamSettings?

    public init(id: String, driver: Driver = .feigSim, antennas: [UInt8] = [1, 2], memoryBytes: Int = 64, responseTimeoutMillis: Int = 500)
    {
        self.id = id
        self.driver = driver
        self.antennas = antennas
        self.memoryBytes = memoryBytes
        self.responseTimeoutMillis = responseTimeoutMillis
    }
}
