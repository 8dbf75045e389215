import ArgumentParser
import ControlProtocol
import ISO28560
import RFIDGateConfig
import SIP2
import SIP2Client
import SIP2Sync

/// Connection options shared by `sip2 …` and `sync run`: defaults come from the config file's
/// `[sip2]` table, flags override them.
struct SIP2Options: ParsableArguments {
    @Option(help: "Configuration file with a [sip2] table (default /etc/rfidgate/rfidgate.toml).") var config: String?
    @Option(help: "ILS SIP2 server as HOST:PORT.") var server: String?
    @Option(help: "SIP2 login (CN).") var login: String?
    @Option(
        help:
            "SIP2 password (CO). Visible to other users in the process list: prefer the config's credential, --password-file, $RFIDGATE_SIP2_PASSWORD or --ask-password."
    ) var password: String?
    @Option(help: "Read the SIP2 password from this file (the secret alone; one trailing line break ignored).") var passwordFile: String?
    @Flag(help: "Ask for the SIP2 password on the terminal, without echo.") var askPassword = false
    @Option(help: "Institution id (AO).") var institution: String?
    @Option(help: "Location code sent at login (CP).") var location: String?
    @Option(help: "Character set: utf-8, iso-8859-1, cp850, gb18030, ascii.") var charset: String?
    @Flag(inversion: .prefixedNo, help: "AY/AZ error detection.") var errorDetection: Bool?
    @Option(help: "Per-request timeout in milliseconds.") var timeoutMs: Int?
    @Flag(help: "Show every frame sent (>>) and received (<<) on stderr.") var raw = false
    @Flag(help: "End with one JSON object on the last line.") var json = false

    var configPath: String { config ?? "/etc/rfidgate/rfidgate.toml" }

    /// Options may come before the subcommand (`sip2 --server … ping`) or after it; after wins.
    func merged(over parent: SIP2Options) -> SIP2Options {
        var m = self
        m.config = config ?? parent.config
        m.server = server ?? parent.server
        m.login = login ?? parent.login
        m.password = password ?? parent.password
        m.passwordFile = passwordFile ?? parent.passwordFile
        m.askPassword = askPassword || parent.askPassword
        m.institution = institution ?? parent.institution
        m.location = location ?? parent.location
        m.charset = charset ?? parent.charset
        m.errorDetection = errorDetection ?? parent.errorDetection
        m.timeoutMs = timeoutMs ?? parent.timeoutMs
        m.raw = raw || parent.raw
        m.json = json || parent.json
        return m
    }

    /// The [sip2] settings from the config file, secrets resolved from their files or
    /// credentials; a missing default file is not an error.
    func settings() throws -> SIP2Settings {
        guard let text = try? readTextFile(configPath) else { return SIP2Settings() }
        do {
            return try ConfigFile.parse(text, source: configPath).sip2.resolvingSecrets(
                environment: Secrets.processEnvironment(), configPath: configPath, warn: { printError("rfidgatectl: warning: \($0)") })
        } catch {
            printError("\(error)")
            throw ExitCode(78)
        }
    }

    /// The config file's [sip2] settings with this command line's flags over them.
    func effectiveSettings() throws -> SIP2Settings {
        var s = try settings()
        if let server { s.server = server }
        if let login { s.login = login }
        // Strongest first: argv, a file, the environment, the terminal; else the config's.
        if let password {
            s.password = password
        } else if let passwordFile {
            do {
                guard let v = try Secrets.read(passwordFile) else { throw ConfigError("--password-file \(passwordFile) is empty") }
                s.password = v
            } catch {
                printError("rfidgatectl: \(error)")
                throw ExitCode(78)
            }
        } else if let v = Secrets.processEnvironment()["RFIDGATE_SIP2_PASSWORD"], !v.isEmpty {
            s.password = v
        } else if askPassword {
            guard let v = readSecretFromTerminal(prompt: "SIP2 password for \(s.login.isEmpty ? "the ILS" : s.login): ") else {
                printError("rfidgatectl: --ask-password needs a terminal (/dev/tty)")
                throw ExitCode(78)
            }
            s.password = v
        }
        if let institution { s.institution = institution }
        if let location { s.location = location }
        if let charset { s.charset = charset.lowercased() }
        if let errorDetection { s.errorDetection = errorDetection }
        if let timeoutMs { s.requestTimeoutMillis = timeoutMs }
        return s
    }

    func clientConfiguration() throws -> SIP2ClientConfiguration {
        do { return try effectiveSettings().clientConfiguration(source: configPath) } catch {
            printError("\(error)")
            throw ExitCode(78)
        }
    }

    func makeClient() throws -> SIP2Client {
        let cfg = try clientConfiguration()
        guard raw else { return SIP2Client(cfg) }
        return SIP2Client(
            cfg,
            trace: { (dir: SIP2Client.Direction, bytes: [UInt8]) in
                // Passwords and PINs masked; the ILS's text made safe for the terminal.
                let text = SafeText.display(String(decoding: SIP2Redaction.redacted(bytes), as: UTF8.self))
                printError((dir == .sent ? ">> " : "<< ") + text)
            })
    }
}

/// One JSON object from ordered key/value pairs (strings, numbers, booleans, null), written
/// through the shared JSON path (`JSONWire`: sorted keys).
enum JSONOut {
    enum Value { case string(String), int(Int64), bool(Bool), null }

    static func object(_ pairs: [(String, Value)]) -> String {
        (try? JSONWire.encode(JSONValue.object(pairs.map { ($0.0, json($0.1)) }))) ?? "{}"
    }

    static func json(_ v: Value) -> JSONValue {
        switch v {
        case .string(let s): .string(s)
        case .int(let i): .int(Int(i))
        case .bool(let b): .bool(b)
        case .null: .null
        }
    }
}
