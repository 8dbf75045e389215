import GRDB

/// Errors of the circulation store, worded for the technician: what failed, and what to do.
public struct CirculationError: Error, CustomStringConvertible, Equatable, Sendable {
    public let message: String
    public init(_ message: String) { self.message = message }
    public var description: String { message }

    /// Wraps a SQLite/GRDB error with the database path and a hint for the common causes.
    static func database(_ path: String, _ doing: String, _ error: any Error) -> CirculationError {
        var hint = ""
        if let e = error as? DatabaseError {
            switch e.resultCode {
            case .SQLITE_CANTOPEN, .SQLITE_PERM, .SQLITE_READONLY:
                hint = ": check that the directory exists and belongs to the user running rfidgate (systemd-tmpfiles --create rfidgate.conf), or set [cache] path"
            case .SQLITE_FULL:
                hint = ": the disk is full; free space on the state partition"
            case .SQLITE_CORRUPT, .SQLITE_NOTADB:
                hint = ": the file is damaged; move it aside and re-import the library system's export (rfidgatectl cache import)"
            case .SQLITE_BUSY, .SQLITE_LOCKED:
                hint = ": another process holds the database for too long (an import?); retry when it has finished"
            default: break
            }
            return CirculationError("circulation cache \(path): \(doing) failed: \(e.message ?? "\(e.resultCode)")\(hint)")
        }
        return CirculationError("circulation cache \(path): \(doing) failed: \(error)")
    }
}
