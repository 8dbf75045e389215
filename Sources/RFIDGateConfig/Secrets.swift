#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

/// Where the credentials of `[sip2]` (and of every later section that needs one) come from,
/// strongest first:
/// 1. `password_file` / `terminal_password_file`: a file of its own (root:rfidgate 0640), so the
///    config file itself can be shown to anyone;
/// 2. systemd's credentials: with `LoadCredential=sip2-password:/etc/rfidgate/sip2-password` the
///    unit hands the daemon `$CREDENTIALS_DIRECTORY/sip2-password` (and `sip2-terminal-password`),
///    readable by the service alone, whatever the file's owner;
/// 3. the value inline in the config file, with a warning when others may read that file.
/// A credential file holds the secret alone; one trailing line break is not part of it.
public enum Secrets {
    public static let sip2PasswordCredential = "sip2-password"
    public static let sip2TerminalPasswordCredential = "sip2-terminal-password"

    /// Reads a credential file: the whole file less one trailing "\n" or "\r\n". An empty file
    /// counts as absent (the unit's `SetCredential=` default when no file was installed).
    public static func read(_ path: String) throws(ConfigError) -> String? {
        var text = try readTextFile(path)
        if text.hasSuffix("\r\n") { text.removeLast(1) } else if text.hasSuffix("\n") { text.removeLast() }
        return text.isEmpty ? nil : text
    }

    /// `$CREDENTIALS_DIRECTORY/NAME` when systemd passed that credential, else nil.
    public static func credential(_ name: String, environment: [String: String]) throws(ConfigError) -> String? {
        guard let dir = environment["CREDENTIALS_DIRECTORY"], !dir.isEmpty else { return nil }
        let path = dir + "/" + name
        guard access(path, F_OK) == 0 else { return nil }
        return try read(path)
    }

    /// The process environment as a dictionary (without Foundation).
    public static func processEnvironment() -> [String: String] {
        var env: [String: String] = [:]
        var p = environ
        while let entry = p.pointee {
            let pair = String(cString: entry)
            if let eq = pair.firstIndex(of: "=") { env[String(pair[..<eq])] = String(pair[pair.index(after: eq)...]) }
            p += 1
        }
        return env
    }

    /// Whether a file's mode lets users outside its owner and group read it.
    public static func worldReadable(_ path: String) -> Bool {
        var st = stat()
        return stat(path, &st) == 0 && st.st_mode & S_IROTH != 0
    }
}

extension SIP2Settings {
    /// These settings with `password` and `terminalPassword` taken from their strongest source
    /// (see `Secrets`). `configPath` is the file the settings came from (nil: built in), for the
    /// warning about an inline secret that others can read.
    public func resolvingSecrets(
        environment: [String: String], configPath: String?, warn: (String) -> Void
    ) throws(ConfigError) -> SIP2Settings {
        var s = self
        if let file = passwordFile {
            guard let v = try Secrets.read(file) else { throw ConfigError("sip2.password_file \(file) is empty") }
            s.password = v
        } else if let v = try Secrets.credential(Secrets.sip2PasswordCredential, environment: environment) {
            s.password = v
        } else if !password.isEmpty, let configPath, Secrets.worldReadable(configPath) {
            warn(
                "\(configPath) holds sip2.password inline and every user can read it: move it to a credential (docs/technician.md, \"Secrets\") or chmod 0640 \(configPath)"
            )
        }
        if let file = terminalPasswordFile {
            guard let v = try Secrets.read(file) else { throw ConfigError("sip2.terminal_password_file \(file) is empty") }
            s.terminalPassword = v
        } else if let v = try Secrets.credential(Secrets.sip2TerminalPasswordCredential, environment: environment) {
            s.terminalPassword = v
        } else if !terminalPassword.isEmpty, let configPath, Secrets.worldReadable(configPath) {
            warn(
                "\(configPath) holds sip2.terminal_password inline and every user can read it: move it to a credential or chmod 0640 \(configPath)"
            )
        }
        return s
    }
}
