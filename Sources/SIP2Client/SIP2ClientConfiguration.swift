import SIP2

/// Everything the client needs to reach one ILS. Defaults follow sip2.md: error detection on,
/// UTF-8, 10 s per request, keepalive (99) every 4 min (below Koha's 600 s client_timeout).
public struct SIP2ClientConfiguration: Sendable {
    public struct TLS: Sendable {
        /// PEM file of the CA (or the server's own certificate) to trust; nil = the system store.
        public var caFile: String?
        /// Client certificate and key (PEM) when the ILS or stunnel asks for one.
        public var certificateFile: String?
        public var keyFile: String?
        /// Name checked against the certificate and sent as SNI; nil = the host.
        public var serverName: String?
        public init(caFile: String? = nil, certificateFile: String? = nil, keyFile: String? = nil, serverName: String? = nil) {
            self.caFile = caFile; self.certificateFile = certificateFile; self.keyFile = keyFile; self.serverName = serverName
        }
    }

    /// What to put in the 18-character nb due date of an *online* checkout. Blanks are the norm
    /// ("the ACS decides"); strict pysip2 closes the connection on blanks, so it can be the txn date.
    public enum NBDueDateFiller: String, Sendable { case blank, transactionDate }

    public var host: String
    public var port: Int
    public var tls: TLS?
    public var login: String
    public var password: String
    /// CP in the login; Koha uses it as the branch, FOLIO wants the service point.
    public var location: String?
    /// AO in every request.
    public var institution: String
    /// AC in every request (often empty).
    public var terminalPassword: String
    /// AP ("current location") in checkins.
    public var currentLocation: String
    public var charset: SIP2Charset
    public var errorDetection: Bool
    public var nbDueDateFiller: NBDueDateFiller
    /// Per-request deadline when the ACS's 98 gives none (000/999).
    public var requestTimeout: Duration
    /// Floor for the ACS's own timeout (invenio says 1 s).
    public var minimumRequestTimeout: Duration
    public var connectTimeout: Duration
    /// Idle time after which a 99 is sent; keep it below the server's idle timeout.
    public var keepaliveInterval: Duration
    /// First and largest wait between failed connection attempts (doubling).
    public var reconnectBackoff: Duration
    public var maxReconnectBackoff: Duration
    /// Resends after 96 or 97 per request; the ACS's "retries allowed" caps it further.
    public var maxResends: Int
    /// Frames longer than this are cut and flagged (bounded memory against a runaway server).
    public var maxFrameBytes: Int
    /// Send dates in UTC ("   Z") instead of the box's local time (four blanks).
    public var utcDates: Bool

    public init(
        host: String, port: Int, tls: TLS? = nil, login: String, password: String, location: String? = nil,
        institution: String, terminalPassword: String = "", currentLocation: String = "",
        charset: SIP2Charset = .utf8, errorDetection: Bool = true, nbDueDateFiller: NBDueDateFiller = .blank,
        requestTimeout: Duration = .seconds(10), minimumRequestTimeout: Duration = .seconds(2),
        connectTimeout: Duration = .seconds(5), keepaliveInterval: Duration = .seconds(240),
        reconnectBackoff: Duration = .seconds(1), maxReconnectBackoff: Duration = .seconds(300),
        maxResends: Int = 3, maxFrameBytes: Int = 65_536, utcDates: Bool = false
    ) {
        self.host = host; self.port = port; self.tls = tls; self.login = login; self.password = password
        self.location = location; self.institution = institution; self.terminalPassword = terminalPassword
        self.currentLocation = currentLocation; self.charset = charset; self.errorDetection = errorDetection
        self.nbDueDateFiller = nbDueDateFiller; self.requestTimeout = requestTimeout
        self.minimumRequestTimeout = minimumRequestTimeout; self.connectTimeout = connectTimeout
        self.keepaliveInterval = keepaliveInterval; self.reconnectBackoff = reconnectBackoff
        self.maxReconnectBackoff = maxReconnectBackoff; self.maxResends = maxResends
        self.maxFrameBytes = maxFrameBytes; self.utcDates = utcDates
    }
}
