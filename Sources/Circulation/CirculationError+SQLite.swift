import GRDB

extension CirculationError.Kind {
    /// The kind of a SQLite result code (primary code: extended codes map like their base).
    init(_ code: ResultCode) {
        switch code.primaryResultCode {
        case .SQLITE_FULL: self = .diskFull
        case .SQLITE_CORRUPT, .SQLITE_NOTADB: self = .corrupt
        case .SQLITE_BUSY, .SQLITE_LOCKED: self = .busy
        case .SQLITE_READONLY, .SQLITE_PERM: self = .readOnly
        case .SQLITE_CANTOPEN: self = .cannotOpen
        case .SQLITE_IOERR: self = .io
        case .SQLITE_CONSTRAINT, .SQLITE_MISMATCH, .SQLITE_TOOBIG, .SQLITE_RANGE: self = .invalid
        default: self = .other
        }
    }
}

extension CirculationError {
    /// Wraps a SQLite/GRDB error with the database path, its kind and a hint for the common causes.
    static func database(_ path: String, _ doing: String, _ error: any Error) -> CirculationError {
        guard let e = error as? DatabaseError else {
            return CirculationError("circulation cache \(path): \(doing) failed: \(error)")
        }
        let kind = Kind(e.resultCode)
        let hint =
            switch e.resultCode.primaryResultCode {
            case .SQLITE_CANTOPEN, .SQLITE_PERM, .SQLITE_READONLY:
                ": check that the directory exists and belongs to the user running rfidgate (systemd-tmpfiles --create rfidgate.conf), or set [cache] path"
            case .SQLITE_FULL:
                ": the disk is full; free space on the state partition"
            case .SQLITE_CORRUPT, .SQLITE_NOTADB:
                ": the file is damaged; move it aside and re-import the library system's export (rfidgatectl cache import)"
            case .SQLITE_BUSY, .SQLITE_LOCKED:
                ": another process holds the database for too long (an import?); retry when it has finished"
            default: ""
            }
        return CirculationError("circulation cache \(path): \(doing) failed: \(e.message ?? "\(e.resultCode)")\(hint)", kind: kind)
    }
}
