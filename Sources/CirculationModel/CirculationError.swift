/// Errors of the circulation store, worded for the technician: what failed, and what to do.
///
/// `kind` lets callers act without parsing the message: retry when `busy`, hold data in memory
/// and degrade when `diskFull`, stop and ask for a re-import when `corrupt`.
public struct CirculationError: Error, CustomStringConvertible, Equatable, Sendable {
    public enum Kind: String, Sendable, CaseIterable {
        /// SQLITE_FULL: the state partition has no room (writes fail, reads still work).
        case diskFull
        /// SQLITE_CORRUPT / SQLITE_NOTADB: the file is damaged or not a store.
        case corrupt
        /// SQLITE_BUSY / SQLITE_LOCKED: another connection held the database too long; retry.
        case busy
        /// SQLITE_READONLY / SQLITE_PERM: the file or its directory is not writable for us.
        case readOnly
        /// SQLITE_CANTOPEN, or the store's directory could not be created.
        case cannotOpen
        /// SQLITE_IOERR, or a read error on an input file.
        case io
        /// The store (or an input file) does not exist.
        case notFound
        /// Bad input: a CSV row or header, a constraint the data breaks.
        case invalid
        case other
    }

    public let kind: Kind
    public let message: String
    public init(_ message: String, kind: Kind = .other) {
        self.kind = kind
        self.message = message
    }
    public var description: String { message }
}
