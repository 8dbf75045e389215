import SIP2

/// One item as the simulated ILS sees it now, for tests and benches to check what a station did.
public struct SimulatedItemState: Sendable, Equatable {
    public var status: SimulatedItem.Status
    /// Due date while charged (local wall-clock time, like every ILS sends).
    public var due: SIP2Date?
    /// The patron it is held for; cleared when that patron borrows it.
    public var holdFor: String?
    /// New loans, no-block loans included (a renewal is not a new loan).
    public var checkouts = 0
    /// Renewals through 29 or through a checkout of an item the patron already had.
    public var renewals = 0
    /// Checkins answered ok (a second checkin of the same item counts too: duplicates show).
    public var checkins = 0
    /// Checkouts undone with the cancel flag.
    public var cancels = 0
    /// Checkouts and renewals answered ok=0 (cancels that could not be applied included).
    public var refusals = 0
    /// The properties of the last item status update (19).
    public var properties: String?

    /// The borrower while charged.
    public var patron: String? {
        if case .charged(let p) = status { return p }
        return nil
    }
}

/// One thing the simulated ILS did, in the order it did it: what a test or a bench asserts on.
public struct SimulatedEvent: Sendable, Equatable {
    public enum Operation: String, Sendable, Equatable {
        case login, scStatus, patronStatus, patronInformation, itemInformation, itemStatusUpdate, checkout, checkin, renew,
            endSession
        /// A 97 answered with the connection's last response.
        case resendLast
        /// A frame that could not be read (bad checksum, cut, too short) answered with 96.
        case requestedResend
        /// A well-formed message this ILS does not implement: logged, not answered (like most ACSs).
        case unsupported
        /// A request before a successful login: the connection was closed.
        case notLoggedIn
        /// A connection accepted while unreachable and closed at once.
        case refusedConnection
        /// A response the charset could not carry (e.g. a Chinese title in ASCII): the connection was closed.
        case unencodable
    }

    public var operation: Operation
    /// The request's command code ("11"), "" for connection events.
    public var code: String
    /// Connection number, from 0 in accept order.
    public var connection: Int
    public var item: String?
    /// The request's patron; for a checkin, the borrower it was returned from.
    public var patron: String?
    public var ok: Bool
    /// The checkout carried the cancel flag (BI=Y).
    public var cancel = false
    /// The request carried the no-block flag (an offline transaction replayed).
    public var noBlock = false
    /// The checkout or renew extended an existing loan.
    public var renewal = false
    /// The transaction date the request carried (the original time of a replayed loan).
    public var transactionDate: SIP2Date?
    /// Due date answered (AH), if any.
    public var dueDate: SIP2Date?
    /// The first screen message answered (AF): the ILS's own words for a refusal.
    public var screenMessage: String?
    /// When the request's frame arrived and when its answer was written (monotonic): requests on
    /// different connections overlap in time when the server serves them concurrently.
    public var received: ContinuousClock.Instant
    public var answered: ContinuousClock.Instant
}
