import SIP2
import SIP2Client

extension SIP2Settings {
    /// The client these settings describe, or a configuration error naming the key to fix.
    /// One mapping for the daemon's sync service and for `rfidgatectl sip2`/`sync run`.
    public func clientConfiguration(source: String) throws(ConfigError) -> SIP2ClientConfiguration {
        guard let endpoint = server, let colon = endpoint.lastIndex(of: ":"),
            let port = Int(endpoint[endpoint.index(after: colon)...])
        else {
            throw ConfigError("no SIP2 server: set sip2.server = \"HOST:PORT\" in \(source) (or pass --server)")
        }
        guard let cs = SIP2Charset(name: charset) else {
            throw ConfigError("unknown SIP2 charset \(charset): use utf-8, iso-8859-1, cp850, gb18030 or ascii")
        }
        let timeout = Duration.milliseconds(requestTimeoutMillis)
        return SIP2ClientConfiguration(
            host: String(endpoint[..<colon]), port: port,
            tls: tls ? .init(caFile: tlsCAFile, certificateFile: tlsCertFile, keyFile: tlsKeyFile, serverName: tlsServerName) : nil,
            login: login, password: password, location: location,
            institution: institution, terminalPassword: terminalPassword, currentLocation: currentLocation,
            charset: cs, errorDetection: errorDetection,
            nbDueDateFiller: nbDueDate == "transaction_date" ? .transactionDate : .blank,
            requestTimeout: timeout, minimumRequestTimeout: min(timeout, .seconds(2)),
            keepaliveInterval: .seconds(keepaliveSeconds), reconnectBackoff: .milliseconds(200))
    }
}
