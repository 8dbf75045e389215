/// One patron's visit at the station, as a pure state machine with the clock passed in:
/// idle → identifying (→ PIN) → patron known → working on the stack → receipt → idle.
/// The desk (I/O edge) asks the ILS and the pad and feeds the answers back as events.
public struct StationSession: Sendable {
    public enum State: Sendable, Equatable {
        case idle
        /// A card was read; the ILS or the site wants a PIN for it.
        case needPIN(card: String)
        /// Waiting for the ILS's answer about the card.
        case identifying(card: String)
        /// The patron is known; items may be laid on the pad.
        case ready(PatronSummary)
        /// The stack is being worked.
        case working(StationMode)
        /// Shown until the receipt time ends or the pad changes.
        case receipt(Receipt)
    }

    /// What the desk must do next.
    public enum Step: Sendable, Equatable {
        case askPIN
        /// Look the patron up (63), with the PIN when one was entered.
        case lookUp(card: String, pin: String?)
        case welcome(PatronSummary)
        case refuse(String)
        case none
    }

    public struct Settings: Sendable, Equatable {
        /// Ask every patron for a PIN (else only when the ILS says one is needed).
        public var requirePIN: Bool
        public var idleTimeoutNanos: UInt64
        public var receiptNanos: UInt64
        public init(requirePIN: Bool = false, idleTimeoutNanos: UInt64 = 60_000_000_000, receiptNanos: UInt64 = 15_000_000_000) {
            self.requirePIN = requirePIN
            self.idleTimeoutNanos = idleTimeoutNanos
            self.receiptNanos = receiptNanos
        }
    }

    public private(set) var state: State = .idle
    public private(set) var patron: PatronSummary?
    public private(set) var pinEntered = false
    /// A new id per visit: journal rows of one visit share it.
    public private(set) var number: UInt64 = 0
    public let settings: Settings
    private var pins: PinAttempts
    private var lastActivity: UInt64 = 0

    public init(settings: Settings = Settings(), pins: PinAttempts = PinAttempts()) {
        self.settings = settings
        self.pins = pins
    }

    /// A card number from the keyboard, a barcode or QR scanner, or a patron card on the pad.
    public mutating func card(_ card: String, now: UInt64) -> Step {
        // Scanners and keyboards bring stray bytes: keep printable text only (no C0/C1
        // controls, no bidi overrides that would reorder what staff read, no SIP2 delimiter).
        let card = String(
            card.unicodeScalars.filter { u in
                u.value > 0x20 && !(0x7F...0x9F).contains(u.value) && u != "|" && !(0x200E...0x200F).contains(u.value)
                    && !(0x202A...0x202E).contains(u.value) && !(0x2066...0x2069).contains(u.value)
            }.prefix(64).map(Character.init))
        guard !card.isEmpty else { return .refuse("that card number cannot be read") }
        switch state {
        case .working: return .refuse("please wait: the station is busy with the items on the pad")
        case .ready(let p) where p.id == card: return .none
        default: break
        }
        if let wait = pins.locked(card: card, now: now) {
            return .refuse("too many wrong PINs: this card can try again in \((wait + 59_999_999_999) / 60_000_000_000) min")
        }
        begin(now)
        pinEntered = false
        if settings.requirePIN {
            state = .needPIN(card: card)
            return .askPIN
        }
        state = .identifying(card: card)
        return .lookUp(card: card, pin: nil)
    }

    public mutating func pin(_ pin: String, now: UInt64) -> Step {
        guard case .needPIN(let card) = state else { return .refuse("no card to check a PIN for") }
        lastActivity = now
        pinEntered = true
        state = .identifying(card: card)
        return .lookUp(card: card, pin: pin)
    }

    /// The ILS's answer to `lookUp`.
    public mutating func patronAnswer(_ p: PatronSummary, now: UInt64) -> Step {
        guard case .identifying(let card) = state else { return .none }
        lastActivity = now
        if !p.valid {
            reset()
            return .refuse("this card is not known to the library: please see staff")
        }
        if p.pinValid == false {
            if pinEntered {
                let locked = pins.wrong(card: card, now: now)
                reset()
                return .refuse(locked ? "too many wrong PINs: please see staff" : "wrong PIN: please try again")
            }
            // The ILS wants a PIN we did not send.
            state = .needPIN(card: card)
            return .askPIN
        }
        if pinEntered { pins.right(card: card) }
        patron = p
        state = .ready(p)
        return .welcome(p)
    }

    /// The ILS did not answer the look-up.
    public mutating func patronUnreachable(card: String, lastKnown: PatronSummary?, now: UInt64) -> Step {
        guard case .identifying = state else { return .none }
        lastActivity = now
        guard let lastKnown else {
            reset()
            return .refuse("the library system is not reachable and this card was not seen recently: please see staff")
        }
        patron = lastKnown
        state = .ready(lastKnown)
        return .welcome(lastKnown)
    }

    /// The patron pressed checkout or return (or the autopilot did). Checkout needs a patron.
    public mutating func start(_ mode: StationMode, now: UInt64) -> Bool {
        switch state {
        case .ready:
            break
        case .receipt where patron != nil:
            break  // the same patron's next stack
        case .idle, .receipt:
            guard mode == .checkin else { return false }
            begin(now)
        default:
            return false
        }
        lastActivity = now
        state = .working(mode)
        return true
    }

    public mutating func finished(_ receipt: Receipt, now: UInt64) {
        lastActivity = now
        state = .receipt(receipt)
    }

    /// The pad changed or the screen was touched: the idle timer starts again.
    public mutating func activity(now: UInt64) { lastActivity = now }

    /// Ends the visit when it has been idle too long (never while working). Returns the patron
    /// whose session ended, so the desk can tell the ILS (35).
    public mutating func tick(now: UInt64) -> (ended: Bool, patron: String?) {
        let limit: UInt64
        switch state {
        case .idle, .working: return (false, nil)
        case .receipt: limit = settings.receiptNanos
        default: limit = settings.idleTimeoutNanos
        }
        guard now > lastActivity, now - lastActivity >= limit else { return (false, nil) }
        let who = patron?.id
        reset()
        return (true, who)
    }

    /// Nanoseconds until `tick` ends the visit (nil while idle or working): the screen's idle
    /// countdown, so the patron sees the logout coming and can stay.
    public func remainingNanos(now: UInt64) -> UInt64? {
        let limit: UInt64
        switch state {
        case .idle, .working: return nil
        case .receipt: limit = settings.receiptNanos
        default: limit = settings.idleTimeoutNanos
        }
        let spent = now > lastActivity ? now - lastActivity : 0
        return spent >= limit ? 0 : limit - spent
    }

    /// Ends the visit now (the patron pressed "done", or took their card). Returns the patron.
    @discardableResult
    public mutating func end() -> String? {
        if case .working = state { return nil }
        let who = patron?.id
        reset()
        return who
    }

    public mutating func prunePins(now: UInt64) { pins.prune(now: now) }

    private mutating func begin(_ now: UInt64) {
        number &+= 1
        lastActivity = now
        patron = nil
    }

    private mutating func reset() {
        state = .idle
        patron = nil
        pinEntered = false
    }
}
