import RFIDGateConfig

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

/// Where the daemon's status socket lives when `[status] socket` is not set, in order:
/// 1. `$RUNTIME_DIRECTORY/control.sock` (systemd's `RuntimeDirectory=rfidgate`: /run/rfidgate,
///    0750 rfidgate:rfidgate, so members of group rfidgate reach it and nobody else),
/// 2. `/run/rfidgate/control.sock` when running as root,
/// 3. `$XDG_RUNTIME_DIR/rfidgate/control.sock`,
/// 4. next to the state (`StatePaths.directory()`).
/// `rfidgatectl status` looks in the same places, so both agree without configuration; as a
/// client (`client: true`) it also finds the packaged daemon's /run/rfidgate/control.sock when
/// it is not root (a technician in group rfidgate-status, who cannot read the config).
public enum ControlSocketPath {
    public static let packaged = "/run/rfidgate/control.sock"

    public static func resolve(configured: String?, client: Bool = false) -> String {
        if let configured { return configured }
        func env(_ name: String) -> String? {
            guard let v = getenv(name) else { return nil }
            let s = String(cString: v)
            return s.isEmpty ? nil : s
        }
        if let d = env("RUNTIME_DIRECTORY") { return String(d.split(separator: ":").first ?? Substring(d)) + "/control.sock" }
        if getuid() == 0 || (client && access(packaged, F_OK) == 0) { return packaged }
        if let x = env("XDG_RUNTIME_DIR") { return x + "/rfidgate/control.sock" }
        return StatePaths.directory() + "/control.sock"
    }
}
