/// `[kiosk]`: the local screens' HTTP server (the station page, the gate's staff page). Plain
/// values; the daemon maps them onto the kiosk's settings.
public struct KioskConfig: Sendable, Equatable {
    public var enabled = true
    /// "host:port" (loopback by default: nothing reachable from the library network unless
    /// configured); port 0 picks a free one (printed at start).
    public var listen = "127.0.0.1:8560"
    /// Also (or instead, with `listen = ""`) a Unix socket for a kiosk browser on the same box.
    public var unixSocket: String? = nil
    /// Extra host names the server answers to when `listen` is not loopback.
    public var allowedHosts: [String] = []
    /// "zh" or "en": the screen's language until the patron switches.
    public var language = "zh"
    public var speech = false
    /// With speech: write each spoken prompt as a WAV file here instead of playing it.
    public var speechWAVDirectory: String? = nil
    /// "none" or "usb" (an ESC/POS printer, USB printer class).
    public var printer = "none"
    public var printerVendor: Int? = nil
    public var printerProduct: Int? = nil

    public init() {}

    /// (host, port) from `listen`; nil when the TCP listener is off.
    public var tcp: (host: String, port: Int)? {
        guard !listen.isEmpty, let colon = listen.lastIndex(of: ":"), let port = Int(listen[listen.index(after: colon)...]) else {
            return nil
        }
        var host = String(listen[..<colon])
        if host.hasPrefix("[") && host.hasSuffix("]") { host = String(host.dropFirst().dropLast()) }
        return (host, port)
    }

    func validate() throws(ConfigError) {
        if !listen.isEmpty {
            guard let t = tcp, !t.host.isEmpty, (0...65535).contains(t.port) else {
                throw ConfigError("[kiosk] listen must be \"host:port\" (e.g. \"127.0.0.1:8560\") or \"\"")
            }
        }
        if listen.isEmpty && unixSocket == nil && enabled {
            throw ConfigError("[kiosk] needs listen or unix_socket (or enabled = false)")
        }
        if let p = unixSocket, !p.hasPrefix("/") || p.utf8.count > 100 {
            throw ConfigError("[kiosk] unix_socket must be an absolute path of at most 100 bytes")
        }
        if !["zh", "en"].contains(language) { throw ConfigError("[kiosk] language must be \"zh\" or \"en\"") }
        if !["none", "usb"].contains(printer) { throw ConfigError("[kiosk] printer must be \"none\" or \"usb\"") }
        for v in [printerVendor, printerProduct].compactMap({ $0 }) where !(0...0xFFFF).contains(v) {
            throw ConfigError("[kiosk] printer_vendor and printer_product must be 0...65535 (e.g. 0x0416)")
        }
        for h in allowedHosts where h.isEmpty || h.contains("/") || h.contains(" ") {
            throw ConfigError("[kiosk] allowed_hosts must be host names")
        }
    }
}

enum KioskSection: ConfigSection {
    static let key = "kiosk"

    static func read(from root: TableReader, into c: inout GateConfig) throws(ConfigError) {
        guard let t = try root.subtable(key) else { return }
        try t.allowOnly([
            "enabled", "listen", "unix_socket", "allowed_hosts", "language", "speech", "speech_wav_dir", "printer", "printer_vendor",
            "printer_product",
        ])
        var k = c.kiosk
        if let v = try t.bool("enabled") { k.enabled = v }
        if let v = try t.string("listen") { k.listen = v }
        if let v = try t.string("unix_socket") { k.unixSocket = v }
        if let v = try t.stringArray("allowed_hosts") { k.allowedHosts = v }
        if let v = try t.string("language") { k.language = v }
        if let v = try t.bool("speech") { k.speech = v }
        if let v = try t.string("speech_wav_dir") { k.speechWAVDirectory = v }
        if let v = try t.string("printer") { k.printer = v }
        if let v = try t.int("printer_vendor") { k.printerVendor = v }
        if let v = try t.int("printer_product") { k.printerProduct = v }
        try k.validate()
        c.kiosk = k
    }
}
