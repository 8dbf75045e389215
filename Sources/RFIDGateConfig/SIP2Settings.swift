/// The `[sip2]` table: how this station reaches the ILS, and `[sip2.offline]`: when it may lend
/// without it. Plain values here; rfidgatectl and the station map them onto the SIP2 client.
public struct SIP2Settings: Sendable, Equatable {
    public var server: String?  // "host:port"; nil = SIP2 not configured
    public var login = ""
    /// Inline secret; `passwordFile` or the systemd credential win over it (see `Secrets`).
    public var password = ""
    public var passwordFile: String?
    public var location: String?
    public var institution = ""
    public var terminalPassword = ""
    public var terminalPasswordFile: String?
    public var currentLocation = ""
    public var charset = "utf-8"
    public var errorDetection = true
    public var tls = false
    public var tlsCAFile: String?
    public var tlsCertFile: String?
    public var tlsKeyFile: String?
    public var tlsServerName: String?
    public var requestTimeoutMillis = 10_000
    public var keepaliveSeconds = 240
    public var nbDueDate = "blank"  // "blank" | "transaction_date"
    /// How often the daemon looks for queued loans when the last round emptied the queue.
    public var syncIntervalSeconds = 5
    public var offlineEnabled = false
    public var offlineMaxItemsPerPatron = 5
    public var offlineMaxHours = 24.0
    public var offlineLoanDays = 14

    public init() {}

    static let charsets: Set<String> = ["utf-8", "iso-8859-1", "cp850", "gb18030", "ascii"]

    static func parse(_ r: TableReader, source: String) throws(ConfigError) -> SIP2Settings {
        var s = SIP2Settings()
        try r.allowOnly([
            "server", "login", "password", "password_file", "location", "institution", "terminal_password",
            "terminal_password_file", "current_location",
            "charset", "error_detection", "tls", "tls_ca_file", "tls_cert_file", "tls_key_file", "tls_server_name",
            "request_timeout_ms", "keepalive_s", "nb_due_date", "sync_interval_s", "offline",
        ])
        if let v = try r.string("server") {
            guard let colon = v.lastIndex(of: ":"), Int(v[v.index(after: colon)...]) != nil else {
                throw ConfigError("\(source): sip2.server must be \"host:port\", not \"\(v)\"")
            }
            s.server = v
        }
        if let v = try r.string("login") { s.login = v }
        if let v = try r.string("password") { s.password = v }
        if let v = try r.string("password_file") { s.passwordFile = v }
        if s.passwordFile != nil && !s.password.isEmpty {
            throw ConfigError("\(source): sip2.password and sip2.password_file are both set: keep one")
        }
        if let v = try r.string("location") { s.location = v }
        if let v = try r.string("institution") { s.institution = v }
        if let v = try r.string("terminal_password") { s.terminalPassword = v }
        if let v = try r.string("terminal_password_file") { s.terminalPasswordFile = v }
        if s.terminalPasswordFile != nil && !s.terminalPassword.isEmpty {
            throw ConfigError("\(source): sip2.terminal_password and sip2.terminal_password_file are both set: keep one")
        }
        if let v = try r.string("current_location") { s.currentLocation = v }
        if let v = try r.string("charset") {
            guard charsets.contains(v.lowercased()) else {
                throw ConfigError("\(source): sip2.charset must be one of \(charsets.sorted()), not \"\(v)\"")
            }
            s.charset = v.lowercased()
        }
        if let v = try r.bool("error_detection") { s.errorDetection = v }
        if let v = try r.bool("tls") { s.tls = v }
        if let v = try r.string("tls_ca_file") { s.tlsCAFile = v }
        if let v = try r.string("tls_cert_file") { s.tlsCertFile = v }
        if let v = try r.string("tls_key_file") { s.tlsKeyFile = v }
        if let v = try r.string("tls_server_name") { s.tlsServerName = v }
        if let v = try r.int("request_timeout_ms") {
            guard v >= 100 else { throw ConfigError("\(source): sip2.request_timeout_ms must be >= 100") }
            s.requestTimeoutMillis = v
        }
        if let v = try r.int("keepalive_s") {
            guard v >= 1 else { throw ConfigError("\(source): sip2.keepalive_s must be >= 1 (keep it below the ILS's idle timeout)") }
            s.keepaliveSeconds = v
        }
        if let v = try r.string("nb_due_date") {
            guard v == "blank" || v == "transaction_date" else {
                throw ConfigError("\(source): sip2.nb_due_date must be \"blank\" or \"transaction_date\"")
            }
            s.nbDueDate = v
        }
        if let v = try r.int("sync_interval_s") {
            guard v >= 1 else { throw ConfigError("\(source): sip2.sync_interval_s must be >= 1") }
            s.syncIntervalSeconds = v
        }
        if let o = try r.subtable("offline") {
            try o.allowOnly(["enabled", "max_items_per_patron", "max_hours", "loan_days"])
            if let v = try o.bool("enabled") { s.offlineEnabled = v }
            if let v = try o.int("max_items_per_patron") { s.offlineMaxItemsPerPatron = max(0, v) }
            if let v = try o.double("max_hours") { s.offlineMaxHours = max(0, v) }
            if let v = try o.int("loan_days") { s.offlineLoanDays = max(1, v) }
        }
        return s
    }
}
