import Testing

@testable import RFIDGateConfig

/// The [sip2] table (issue 6): every key read, wrong values named.
@Suite struct SIP2ConfigTests {
    @Test func defaultsWithoutTheTable() throws {
        let c = try ConfigFile.parse("")
        #expect(c.sip2 == SIP2Settings())
        #expect(c.sip2.server == nil && c.sip2.errorDetection && c.sip2.charset == "utf-8" && !c.sip2.offlineEnabled)
    }

    @Test func everyKey() throws {
        let c = try ConfigFile.parse(
            """
            [sip2]
            server = "ils.example.org:6001"
            login = "sc"
            password = "pw"
            location = "MAIN"
            institution = "DEMO"
            terminal_password = "tp"
            current_location = "Desk"
            charset = "GB18030"
            error_detection = false
            tls = true
            tls_ca_file = "/etc/rfidgate/ca.pem"
            tls_cert_file = "/etc/rfidgate/c.pem"
            tls_key_file = "/etc/rfidgate/c.key"
            tls_server_name = "ils.example.org"
            request_timeout_ms = 3000
            keepalive_s = 120
            nb_due_date = "transaction_date"
            sync_interval_s = 7
            [sip2.offline]
            enabled = true
            max_items_per_patron = 3
            max_hours = 12.5
            loan_days = 21
            """)
        let s = c.sip2
        #expect(s.server == "ils.example.org:6001" && s.login == "sc" && s.password == "pw" && s.location == "MAIN")
        #expect(s.institution == "DEMO" && s.terminalPassword == "tp" && s.currentLocation == "Desk" && s.charset == "gb18030")
        #expect(!s.errorDetection && s.tls && s.tlsCAFile == "/etc/rfidgate/ca.pem" && s.tlsServerName == "ils.example.org")
        #expect(
            s.requestTimeoutMillis == 3000 && s.keepaliveSeconds == 120 && s.nbDueDate == "transaction_date" && s.syncIntervalSeconds == 7)
        #expect(s.offlineEnabled && s.offlineMaxItemsPerPatron == 3 && s.offlineMaxHours == 12.5 && s.offlineLoanDays == 21)
    }

    @Test(arguments: [
        ("[sip2]\nserver = \"nohost\"", "sip2.server must be \"host:port\""),
        ("[sip2]\ncharset = \"ebcdic\"", "sip2.charset must be one of"),
        ("[sip2]\nnb_due_date = \"soon\"", "sip2.nb_due_date"),
        ("[sip2]\nkeepalive_s = 0", "sip2.keepalive_s"),
        ("[sip2]\nservre = \"a:1\"", "unknown key sip2.servre"),
        ("[sip2.offline]\nenable = true", "unknown key sip2.offline.enable"),
    ])
    func wrongValuesNameTheKey(_ toml: String, _ message: String) {
        do { _ = try ConfigFile.parse(toml); Issue.record("accepted \(toml)") } catch {
            #expect("\(error)".contains(message), "\(error)")
        }
    }
}
