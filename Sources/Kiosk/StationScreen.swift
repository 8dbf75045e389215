import ISO28560
import KioskCore
import Station
import StationCore
import Synchronization

/// Prints a receipt (ESC/POS on a USB printer in the daemon).
public protocol ReceiptPrinting: Sendable {
    func print(_ receipt: Receipt, language: KioskLanguage) async throws
}

/// Speaks a prompt (espeak-ng in the daemon). Never blocks and never fails the caller. Only
/// the fixed prompts are spoken: never a patron's name, a title or the ILS's words, which the
/// people around the station need not hear.
public protocol Speaking: Sendable {
    func say(_ prompt: SpokenPrompt, language: KioskLanguage)
}

/// The station screen's model: turns the desk's state and events into `StationView`s, keeps
/// the screen's language and the stack's progress rows, and sends each changed view to every
/// connected page. The desk stays the only one deciding anything.
public final class StationScreen: Sendable {
    public let desk: StationDesk
    let defaults: KioskSettings
    let printer: (any ReceiptPrinting)?
    let speaker: (any Speaking)?
    let simulated: Bool
    public let broadcast = Broadcast()

    struct State {
        var language: KioskLanguage
        var board = ProgressBoard()
        var message: KioskMessage?
        var revision = 0
        var last = ""
        /// Titles of pad items whose tags carry none, from the desk; items already asked about.
        var titles: [String: String] = [:]
        var asked: Set<String> = []
        /// What was last spoken about: the countdown's warning, the items found on the pad.
        var warned = false
        var padCount = 0
    }
    private let state: Mutex<State>

    public init(desk: StationDesk, settings: KioskSettings, printer: (any ReceiptPrinting)?, speaker: (any Speaking)?, simulated: Bool) {
        self.desk = desk
        defaults = settings
        self.printer = printer
        self.speaker = speaker
        self.simulated = simulated
        state = Mutex(State(language: settings.language))
    }

    public var language: KioskLanguage { state.withLock { $0.language } }

    /// The desk's events (called on the desk's actor: only records, never waits).
    public func handle(_ event: StationEvent) {
        let lang = language
        switch event {
        case .askPIN:
            show(KioskText.prompt(.askPIN, lang))
            speak(.askPIN)
        case .welcome(let p):
            show(KioskText.prompt(.welcome, lang, p.name))
            speak(.welcome)
        case .refused(let why): show(KioskText.session(why, lang))
        case .working(let mode, _):
            let items = desk.padContents.items
            state.withLock { $0.board.start(items) }
            show(KioskText.prompt(.working, lang, "\(items.count)"))
            speak(mode == .checkout ? .checkingOut(items.count) : .returning(items.count))
        case .putBack(let item, let title): show(KioskText.prompt(.putBack, lang, title ?? item))
        case .itemDone(let o):
            state.withLock { $0.board.done(o) }
            if case .refused(let why) = o.result { speak(.itemRefused(why)) }
        case .receipt(let r):
            let done = r.outcomes.filter(\.succeeded).count
            show(KioskText.prompt(.receipt, lang, KioskText.doneCount(done, of: r.outcomes.count, lang)))
            speak(.done(count: done, mode: r.mode))
        case .sessionEnded:
            state.withLock {
                $0.board.clear()
                $0.message = nil
                $0.warned = false
                $0.language = defaults.language
            }
            speak(.goodbye)
        case .tagFixed: break
        }
    }

    private func show(_ m: KioskMessage) { state.withLock { $0.message = m } }

    private func speak(_ p: SpokenPrompt) { speaker?.say(p, language: language) }

    /// The view now.
    public func view() async -> StationView {
        let deskState = await desk.state
        let remaining = await desk.remainingNanos
        let pad = desk.padContents
        let s = state.withLock { $0 }
        var input = StationViewBuilder.Input(
            state: deskState, pad: pad, progress: s.board, message: s.message, language: s.language, remainingNanos: remaining)
        input.printer = printer != nil
        input.speech = speaker != nil
        input.simulated = simulated
        input.revision = s.revision
        var v = StationViewBuilder.build(input)
        for i in v.pad.items.indices where v.pad.items[i].title == nil {
            v.pad.items[i].title = s.titles[v.pad.items[i].item].map { SafeText.display($0) }
        }
        for i in v.progress.indices where v.progress[i].title == nil {
            v.progress[i].title = s.titles[v.progress[i].item].map { SafeText.display($0) }
        }
        lookUpTitles(pad.items.filter { $0.title == nil }.map(\.pii))
        return v
    }

    /// Asks the desk (store, then ILS) for titles the tags do not carry, once per item, off
    /// the refresh path: the list shows the ids at once and the titles as they arrive.
    private func lookUpTitles(_ ids: [String]) {
        let wanted = state.withLock { s -> [String] in
            if s.asked.count > 10_000 { s.asked.removeAll() }
            let new = ids.filter { !s.asked.contains($0) }
            s.asked.formUnion(new)
            return new
        }
        guard !wanted.isEmpty else { return }
        let desk = desk
        Task {
            let found = await desk.titles(for: wanted)
            self.state.withLock { s in
                if s.titles.count > 10_000 { s.titles.removeAll() }
                s.titles.merge(found) { _, new in new }
            }
        }
    }

    /// Sends the view to the pages when it changed (the countdown counts as a change once a
    /// second while it warns, every 5 s before).
    @discardableResult
    public func refresh() async -> StationView {
        var v = await view()
        // Spoken once each: the countdown's warning, and the items the patron laid down.
        let (warn, found) = state.withLock { s -> (Bool, Int?) in
            let warn = v.idle?.warning == true && !s.warned
            s.warned = v.idle?.warning == true
            let count = v.state == "patron" ? v.pad.items.count : 0
            defer { s.padCount = count }
            return (warn, count > 0 && count != s.padCount ? count : nil)
        }
        if warn { speak(.idleWarning) }
        if let found { speak(.itemsFound(found)) }
        let key = Self.changeKey(v)
        let (changed, revision) = state.withLock { s -> (Bool, Int) in
            guard s.last != key else { return (false, s.revision) }
            s.last = key
            s.revision += 1
            return (true, s.revision)
        }
        v.revision = revision
        if changed, let json = try? KioskJSON.encode(v) { broadcast.send(json) }
        return v
    }

    static func changeKey(_ v: StationView) -> String {
        var k = v
        k.revision = 0
        if let idle = v.idle {
            let step = idle.warning ? 1.0 : 5.0
            k.idle?.secondsLeft = (idle.secondsLeft / step).rounded(.up) * step
        }
        return (try? KioskJSON.encode(k)) ?? ""
    }

    /// Follows the desk until cancelled: a few times a second, cheap when nothing changed.
    public func run() async {
        while !Task.isCancelled {
            await refresh()
            try? await Task.sleep(for: .milliseconds(150))
        }
        broadcast.finish()
    }

    // MARK: the patron's actions

    public enum ActionError: Error, Sendable {
        /// The step does not fit the station's state (409).
        case conflict(KioskMessage)
        case notFound(String)
        case unavailable(KioskMessage)
    }

    private func clearMessage() { state.withLock { $0.message = nil } }

    public func card(_ card: String) async -> StationView {
        clearMessage()
        await desk.presentCard(card)
        return await refresh()
    }

    public func pin(_ pin: String) async throws(ActionError) -> StationView {
        guard case .needPIN = await desk.state else {
            throw .conflict(KioskText.session("no card to check a PIN for", language))
        }
        // SIP2 cannot carry control characters or its field delimiter: such a PIN cannot be
        // anyone's, and is answered as a wrong one without asking the ILS.
        if pin.unicodeScalars.contains(where: { $0.value < 0x20 || (0x7F...0x9F).contains($0.value) || $0 == "|" }) {
            show(KioskText.session("wrong PIN: please try again", language))
            return await refresh()
        }
        clearMessage()
        await desk.enterPIN(pin)
        return await refresh()
    }

    public func checkout() async throws(ActionError) -> StationView {
        clearMessage()
        guard await desk.checkout() != nil else {
            throw .conflict(state.withLock { $0.message } ?? KioskText.session("please identify first", language))
        }
        return await refresh()
    }

    public func checkin() async throws(ActionError) -> StationView {
        clearMessage()
        guard await desk.checkin() != nil else {
            throw .conflict(state.withLock { $0.message } ?? KioskText.session("the station is busy", language))
        }
        return await refresh()
    }

    public func end() async -> StationView {
        await desk.endSession()
        return await refresh()
    }

    public func activity() async -> StationView {
        await desk.touch()
        return await refresh()
    }

    public func setLanguage(_ l: KioskLanguage) async -> StationView {
        state.withLock { $0.language = l }
        return await refresh()
    }

    public func receipt(language: KioskLanguage?) async throws(ActionError) -> (view: ReceiptView, receipt: Receipt) {
        guard let r = await desk.receipt else { throw .notFound("no receipt yet") }
        return (StationViewBuilder.receipt(r, language ?? self.language), r)
    }

    public func print() async throws(ActionError) -> KioskMessage {
        let lang = language
        guard let printer else { throw .unavailable(KioskText.prompt(.noPrinter, lang)) }
        guard let r = await desk.receipt else { throw .notFound("no receipt yet") }
        do {
            try await printer.print(r, language: lang)
        } catch {
            let m = KioskText.prompt(.printFailed, lang)
            show(m)
            throw .unavailable(m)
        }
        let m = KioskText.prompt(.printed, lang)
        show(m)
        speak(.takeReceipt)
        await desk.touch()
        return m
    }
}
