#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

/// Where the circulation store lives when `[cache] path` is not set. The embedded default
/// must run on a fresh machine as any user, so the directory is, in order:
/// 1. `$STATE_DIRECTORY` (systemd's `StateDirectory=rfidgate`: /var/lib/rfidgate),
/// 2. `/var/lib/rfidgate` when running as root,
/// 3. `$XDG_STATE_HOME/rfidgate`, else `$HOME/.local/state/rfidgate`,
/// 4. `./rfidgate-state` when there is no home.
/// A gate with simulated readers uses `simulation.sqlite` there, so a simulation never writes
/// its invented collection into a real gate's `rfidgate.sqlite`.
public enum StatePaths {
    public static func directory() -> String {
        func env(_ name: String) -> String? {
            guard let v = getenv(name) else { return nil }
            let s = String(cString: v)
            return s.isEmpty ? nil : s
        }
        if let d = env("STATE_DIRECTORY") { return String(d.split(separator: ":").first ?? Substring(d)) }
        if getuid() == 0 { return "/var/lib/rfidgate" }
        if let x = env("XDG_STATE_HOME") { return x + "/rfidgate" }
        if let h = env("HOME") { return h + "/.local/state/rfidgate" }
        return "./rfidgate-state"
    }

    public static func defaultCachePath(simulated: Bool) -> String {
        directory() + (simulated ? "/simulation.sqlite" : "/rfidgate.sqlite")
    }
}

extension GateConfig {
    /// True when any reader is simulated (the simulated gate's collection fills the cache).
    public var simulated: Bool { readers.contains { $0.driver == .feigSim } }
    /// The circulation store's path: `[cache] path` or the default.
    public var cachePath: String { cache.path ?? StatePaths.defaultCachePath(simulated: simulated) }
}
