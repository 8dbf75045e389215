import KioskCore

/// How the kiosk's server listens and what the screens offer; from `[kiosk]`.
public struct KioskSettings: Sendable, Equatable {
    public enum Listen: Sendable, Equatable {
        case tcp(host: String, port: Int)
        case unix(path: String)
    }

    public var listen: Listen
    /// Host names (besides loopback's) the server answers to: a request naming any other host
    /// is refused, so a web page elsewhere cannot reach this API through DNS rebinding.
    public var allowedHosts: [String]
    public var language: KioskLanguage
    public var speech: Bool
    /// With speech: write each prompt as a WAV file here instead of playing it.
    public var speechWAVDirectory: String?
    public var printer: Printer

    public enum Printer: Sendable, Equatable {
        case none
        /// An ESC/POS printer on USB (printer class); vendor/product pick one among several.
        case usb(vendor: UInt16?, product: UInt16?)
    }

    public init(
        listen: Listen = .tcp(host: "127.0.0.1", port: 8560), allowedHosts: [String] = [], language: KioskLanguage = .zh,
        speech: Bool = false, speechWAVDirectory: String? = nil, printer: Printer = .none
    ) {
        self.listen = listen
        self.allowedHosts = allowedHosts
        self.language = language
        self.speech = speech
        self.speechWAVDirectory = speechWAVDirectory
        self.printer = printer
    }

    /// Largest request body the API reads.
    public static let maxBody = 16 * 1024
}
