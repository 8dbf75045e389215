import Circulation
import CirculationModel
import SIP2
import SIP2Client
import StationCore

/// Working the stack: every item in parallel (bounded by the SIP2 pool), each through the
/// journal: planned → ils-sent → accepted → tag-writing → done, or refused / cancelled.
extension StationDesk {
    /// Checks out every item on the pad for the identified patron.
    public func checkout() async -> Receipt? { await work(.checkout) }

    /// Returns every item on the pad (no patron needed).
    public func checkin() async -> Receipt? { await work(.checkin) }

    func work(_ mode: StationMode) async -> Receipt? {
        guard session.start(mode, now: clock.nanoseconds()) else {
            emit(.refused(mode == .checkout ? "please identify first" : "the station is busy"))
            return nil
        }
        let patron = session.patron
        let contents = pad.contents
        let sessionID = "\(settings.stationID)-\(unixNow())-\(session.number)"
        emit(.working(mode, items: contents.items.count))
        var outcomes = [ItemOutcome?](repeating: nil, count: contents.items.count)
        await withTaskGroup(of: (Int, ItemOutcome).self) { group in
            for (i, item) in contents.items.enumerated() {
                let plan = settings.planner.plan(item, mode: mode, patron: patron)
                group.addTask { (i, await self.workItem(item, plan: plan, patron: patron, session: sessionID)) }
            }
            for await (i, outcome) in group {
                outcomes[i] = outcome
                count(outcome)
                emit(.itemDone(outcome))
            }
        }
        for t in contents.unreadable {
            let o = ItemOutcome(item: t.id.description, title: nil, result: .refused(.unreadable))
            outcomes.append(o)
            count(o)
        }
        let done = outcomes.compactMap { $0 }
        let offline = done.contains {
            if case .checkedOutOffline = $0.result { return true }
            if case .returnedOffline = $0.result { return true }
            return false
        }
        let receipt = Receipt(mode: mode, patronName: patron?.name, outcomes: done, issuedAt: issuedAt(), offline: offline)
        lastReceipt = receipt
        session.finished(receipt, now: clock.nanoseconds())
        emit(.receipt(receipt))
        return receipt
    }

    private func count(_ o: ItemOutcome) {
        switch o.result {
        case .checkedOut: counters.checkouts += 1
        case .checkedOutOffline: counters.checkouts += 1; counters.offline += 1
        case .renewed: counters.renewals += 1
        case .returned, .returnedNotOnLoan: counters.returns += 1
        case .returnedOffline: counters.returns += 1; counters.offline += 1
        case .refused: counters.refusals += 1
        case .cancelled: counters.cancelled += 1
        case .needsStaff: counters.unresolved += 1
        }
    }

    /// What the ILS made of one request.
    enum ILSAnswer {
        /// `notOnLoan`: a checkin the ILS took for an item nobody had (its words).
        case accepted(due: String?, title: String?, routing: ReturnRouting?, notOnLoan: String? = nil)
        case refused(String)
        /// Sent, answer lost, and the item-information check failed too: the journal keeps
        /// `ils-sent` and the reconciler settles it.
        case unknown(String)
        /// Never reached the ILS: the offline rules decide.
        case unreachable(String)
    }

    func workItem(_ item: PadItem, plan: ItemPlan, patron: PatronSummary?, session sid: String) async -> ItemOutcome {
        let kind: LoanKind
        switch plan {
        case .refuse(let why): return ItemOutcome(item: item.pii, title: item.title, result: .refused(why))
        case .checkout: kind = .checkout
        case .renew: kind = .renewal
        case .checkin: kind = .checkin
        }
        let tags = item.tags.map(\.id)
        let tagText = tags.map(\.description).joined(separator: ",")
        let journalID: Int64
        do {
            journalID = try store.beginJournal(
                session: sid, kind: kind.rawValue, patron: patron?.id, item: item.pii, title: item.title, tag: tagText, atUnix: unixNow())
            try store.advanceJournal(id: journalID, to: JournalPhase.ilsSent.rawValue, atUnix: unixNow())
        } catch {
            logger.error("station journal: \(error)")
            return ItemOutcome(
                item: item.pii, title: item.title, result: .refused(.ils("this station cannot record loans now: please see staff")))
        }
        let answer = await ask(kind, item: item.pii, patron: patron?.id)
        var offline = false
        var due: String?
        var title = item.title
        var routing: ReturnRouting?
        var notOnLoan: String?
        switch answer {
        case .refused(let message):
            advance(journalID, .refused, note: message)
            return ItemOutcome(item: item.pii, title: title, result: .refused(.ils(message)))
        case .unknown(let why):
            logger.warning("item \(item.pii): outcome unknown (\(why)); the reconciler settles it")
            return ItemOutcome(
                item: item.pii, title: title, result: .needsStaff("the library system did not confirm this item; the station checks again"))
        case .unreachable(let why):
            switch offlineAccept(kind, item: item, patron: patron, journalID: journalID) {
            case .refused(let message):
                advance(journalID, .abandoned, note: "offline: \(message) (\(why))")
                return ItemOutcome(item: item.pii, title: title, result: .refused(.offlineNotAllowed(message)))
            case .allowed(let offlineDue):
                offline = true
                due = offlineDue
            }
        case .accepted(let d, let t, let r, let n):
            due = d
            notOnLoan = n
            title = t.flatMap { $0.isEmpty ? nil : $0 } ?? title
            routing = r
            advance(journalID, .accepted, item: update(kind, item.pii, due: d, title: title, owner: item.owner))
        }

        advance(journalID, .tagWriting)
        switch await writeTags(item, target: kind.tagAfterwards) {
        case .success:
            advance(journalID, .done)
            let result: ItemOutcome.Result =
                switch kind {
                case .checkout: offline ? .checkedOutOffline(due: due ?? "") : .checkedOut(due: due ?? "")
                case .renewal: .renewed(due: due ?? "")
                case .checkin:
                    offline ? .returnedOffline : notOnLoan.map { .returnedNotOnLoan($0) } ?? .returned(instruction: routing)
                }
            return ItemOutcome(item: item.pii, title: title, result: result)
        case .failure(let failure):
            logger.warning("item \(item.pii): tag not set (\(failure))")
            switch kind {
            case .checkin:
                advance(journalID, .unresolved, note: "returned but the tag could not be secured: \(failure)")
                return ItemOutcome(item: item.pii, title: title, result: .needsStaff("returned, but its tag could not be set"))
            case .renewal:
                advance(journalID, .done, note: "renewed; tag not confirmed: \(failure)")
                return ItemOutcome(item: item.pii, title: title, result: .renewed(due: due ?? ""))
            case .checkout:
                let entry = JournalEntry(
                    id: journalID, session: sid, kind: kind, patron: patron?.id, item: item.pii, tag: tags.first, phase: .cancelling,
                    offline: offline, outboxKey: offline ? outboxKey(journalID) : nil)
                advance(journalID, .cancelling, note: "\(failure)")
                let cancelled = await cancelLoan(entry, tags: tags, reader: item.tags.first?.reader)
                return ItemOutcome(
                    item: item.pii, title: title,
                    result: cancelled
                        ? .cancelled("its tag could not be set, so the loan was cancelled")
                        : .needsStaff("its tag could not be set and the loan could not be cancelled yet"))
            }
        }
    }

    /// One SIP2 request on a pooled connection.
    func ask(_ kind: LoanKind, item: String, patron: String?) async -> ILSAnswer {
        guard let ils else { return .unreachable("no ILS configured") }
        let pin = self.pin
        do {
            switch kind {
            case .checkout:
                let outcome = try await ils.with { c throws(SIP2ClientError) in
                    try await c.checkout(await c.makeCheckout(patron: patron ?? "", item: item, patronPassword: pin))
                }
                switch outcome {
                case .answered(let r):
                    return r.ok
                        ? .accepted(due: day(r.dueDate), title: r.title, routing: nil) : .refused(r.screenMessages.joined(separator: " "))
                case .confirmedCharged(let info): return .accepted(due: day(info.dueDate), title: info.title, routing: nil)
                }
            case .renewal:
                let r = try await ils.with { c throws(SIP2ClientError) in try await c.renew(patron: patron ?? "", item: item) }
                return r.ok
                    ? .accepted(due: day(r.dueDate), title: r.title, routing: nil) : .refused(r.screenMessages.joined(separator: " "))
            case .checkin:
                let outcome = try await ils.with { c throws(SIP2ClientError) in try await c.checkin(await c.makeCheckin(item: item)) }
                switch outcome {
                case .answered(let r):
                    guard r.ok else { return .refused(r.screenMessages.joined(separator: " ")) }
                    let routing = ReturnRouting(alert: r.alert, alertType: r.alertType, destination: r.destination, sortBin: r.sortBin)
                    // SIP2 has no "was on loan" flag; the patron field (AA) names the borrower
                    // when there was one. Without it, the ILS's screen message says why.
                    // Some ILSs never send AA: believe its absence only from one that has sent it.
                    let borrower = r.patron.flatMap { $0.isEmpty ? nil : $0 }
                    if borrower != nil { checkinNamesBorrower = true }
                    let notOnLoan =
                        checkinNamesBorrower && borrower == nil && routing == nil ? r.screenMessages.joined(separator: " ") : nil
                    return .accepted(due: nil, title: r.title, routing: routing, notOnLoan: notOnLoan)
                case .confirmedNotCharged(let info): return .accepted(due: nil, title: info.title, routing: nil)
                }
            }
        } catch {
            return error.outcomeUnknown ? .unknown("\(error)") : .unreachable("\(error)")
        }
    }

    /// A due date as the store keeps it and the receipt shows it (YYYY-MM-DD, like the CSV
    /// import and offline loans); the ILS's own text when it does not parse.
    func day(_ due: SIP2DueDate?) -> String? { due.map { $0.date?.isoDay ?? $0.text } }

    enum OfflineAnswer { case allowed(due: String?), refused(String) }

    /// The offline path: the rules decide; an accepted loan is queued in the outbox in the
    /// same transaction as its journal step, before the patron is told.
    func offlineAccept(_ kind: LoanKind, item: PadItem, patron: PatronSummary?, journalID: Int64) -> OfflineAnswer {
        let now = unixNow()
        let acsOfflineOK = (try? store.outboxSummary())?.lastACSStatus?.offlineOK
        let verdict: OfflineRules.Verdict
        switch kind {
        case .checkout, .renewal:
            guard kind == .checkout, let patron else { return .refused("renewals need the library system") }
            // Lent offline already (and still on the pad, or back again): never a second
            // outbox loan of the same item.
            if let known = try? store.item(item.pii), known.loanState.gateLoan == .onLoan {
                return .refused("this item is already on loan: please see staff")
            }
            let queued = (try? store.pendingOutboxCheckouts(patron: patron.id)) ?? Int.max
            let lastGood = try? store.patronLastGood(patron.id)
            verdict = settings.offline.checkout(
                usage: item.usage, ilsAllowsOffline: acsOfflineOK, patronLastGoodUnix: lastGood ?? nil, nowUnix: now,
                queuedForPatron: queued, doneThisSession: offlineThisSession)
        case .checkin:
            verdict = settings.offline.checkin(usage: item.usage, ilsAllowsOffline: acsOfflineOK)
        }
        if case .refused(let why) = verdict { return .refused(why) }
        let date = SIP2Date(unixSeconds: now, utcOffsetSeconds: settings.utcOffsetSeconds)
        var due: SIP2Date?
        if kind == .checkout {
            var d = SIP2Date(unixSeconds: now + Int64(settings.offline.loanDays) * 86_400, utcOffsetSeconds: settings.utcOffsetSeconds)
            d.hour = 23; d.minute = 59; d.second = 0
            due = d
        }
        let row = NewOutboxRow(
            key: outboxKey(journalID), kind: kind == .checkin ? .checkin : .checkout, patron: kind == .checkin ? nil : patron?.id,
            item: item.pii, transactionUnix: now, transactionDate: date.description, nbDueDate: due?.description,
            itemUpdate: update(kind, item.pii, due: due?.isoDay, title: item.title, owner: item.owner))
        do {
            try store.advanceJournal(id: journalID, to: JournalPhase.accepted.rawValue, outbox: row, atUnix: now)
        } catch {
            return .refused("this station cannot record offline loans now: please see staff")
        }
        if kind == .checkout { offlineThisSession += 1 }
        return .allowed(due: due?.isoDay)
    }

    func outboxKey(_ journalID: Int64) -> String { "\(settings.stationID)-journal-\(journalID)" }

    func update(_ kind: LoanKind, _ pii: String, due: String?, title: String?, owner: String) -> ItemUpdate {
        ItemUpdate(
            pii: pii, loanState: kind == .checkin ? .available : .onLoan, dueDate: kind == .checkin ? nil : due, title: title,
            ownerISIL: owner.isEmpty ? nil : owner)
    }

    /// Records a journal step; a failing disk is logged (the step is retried by the reconciler
    /// from the last phase that did reach the disk).
    func advance(_ id: Int64, _ phase: JournalPhase, note: String? = nil, item: ItemUpdate? = nil) {
        do { try store.advanceJournal(id: id, to: phase.rawValue, note: note, item: item, atUnix: unixNow()) } catch {
            logger.error("station journal entry \(id) → \(phase.rawValue): \(error)")
        }
    }

    // MARK: tags

    /// Writes every tag of the item; a tag lifted too early is asked back by name and waited
    /// for; a failed write or verify is retried while the tag lies on the pad.
    func writeTags(_ item: PadItem, target: TagTarget) async -> Result<Void, TagSecurityWriter.Failure> {
        for tag in item.tags {
            var last: TagSecurityWriter.Failure = .notReached("not tried")
            var ok = false
            // After a write the tag did not answer, only a read newer than that failure shows
            // the tag still (or again) on the pad: the tracker keeps a lifted tag for a while.
            var seenAfter: UInt64 = 0
            for attempt in 1...max(1, settings.writeAttempts) {
                if attempt > 1 { counters.writeRetries += 1 }
                guard let reader = await waitOnPad(tag.id, item: item, seenAfter: seenAfter) else {
                    return .failure(.notReached("the tag left the pad"))
                }
                do {
                    _ = try await writer.set(target, on: tag.id, reader: reader)
                    ok = true
                    break
                } catch {
                    last = error
                    if case .readerUnavailable = error { break }
                    if case .notReached = error { seenAfter = clock.nanoseconds() }
                }
            }
            if !ok { return .failure(last) }
        }
        return .success(())
    }

    /// The reader the tag lies on (read at or after `seenAfter`, on the pad's clock, which is
    /// the desk's), waiting up to the lift grace for it to come back; the patron is asked to
    /// put it back once the pad no longer shows it.
    func waitOnPad(_ id: PadTagID, item: PadItem, seenAfter: UInt64 = 0) async -> String? {
        func onPad() -> String? {
            guard let t = pad.tag(id), t.lastSeenNanos >= seenAfter else { return nil }
            return t.reader
        }
        if let reader = onPad() { return reader }
        var askedBack = false
        let deadline = clock.nanoseconds() &+ settings.liftGraceNanos
        while clock.nanoseconds() < deadline {
            if !askedBack && pad.tag(id) == nil {
                askedBack = true
                emit(.putBack(item: item.pii, title: item.title))
            }
            try? await Task.sleep(for: .milliseconds(100))
            if let reader = onPad() { return reader }
        }
        return nil
    }

    /// Undoes a checkout whose tag could not be unsecured: the ILS loan is cancelled (or the
    /// outbox entry withdrawn), any part already unsecured is secured again. True when done.
    func cancelLoan(_ e: JournalEntry, tags: [PadTagID], reader: String?) async -> Bool {
        for id in tags {
            // Read through the reader, not from the pad: its last reading may predate a write
            // that just unsecured this part.
            if let t = pad.tag(id), await writer.readAFI(id, reader: t.reader) != settings.security.securedAFI {
                _ = try? await writer.set(.secured, on: id, reader: t.reader)
            }
        }
        let back = ItemUpdate(pii: e.item, loanState: .available)
        if e.offline {
            let now = unixNow()
            let checkin = NewOutboxRow(
                key: outboxKey(e.id) + "-withdrawn", kind: .checkin, patron: nil, item: e.item, transactionUnix: now,
                transactionDate: SIP2Date(unixSeconds: now, utcOffsetSeconds: settings.utcOffsetSeconds).description, nbDueDate: nil,
                itemUpdate: back)
            do {
                try store.cancelOfflineLoan(
                    journalID: e.id, outboxKey: e.outboxKey ?? outboxKey(e.id), checkin: checkin, item: back,
                    note: "offline loan withdrawn: tag not unsecured", atUnix: now)
                return true
            } catch {
                logger.error("withdrawing offline loan of \(e.item): \(error)")
                return false
            }
        }
        guard let ils else { return false }
        let patron = e.patron ?? ""
        do {
            let outcome = try await ils.with { c throws(SIP2ClientError) in
                try await c.checkout(await c.makeCheckout(patron: patron, item: e.item, cancel: true))
            }
            if case .answered(let r) = outcome, r.ok {
                // Some ILSs (invenio-sip2 among them) parse the cancel flag and drop it, and
                // answer a "cancel" as a renewal: believe only an item no longer charged.
                let item = e.item
                let info = try? await ils.with { c throws(SIP2ClientError) in try await c.itemInformation(item) }
                if let info, !info.isCharged {
                    advance(e.id, .cancelled, note: "loan cancelled at the ILS: the tag could not be unsecured", item: back)
                    return true
                }
                logger.warning("the ILS answered the cancel of \(e.item) but still shows it charged: checking it in instead")
            }
            // An ILS that ignores or refuses the cancel flag: check the item back in instead.
            let checkin = try await ils.with { c throws(SIP2ClientError) in try await c.checkin(await c.makeCheckin(item: e.item)) }
            let undone: Bool
            switch checkin {
            case .answered(let r): undone = r.ok
            case .confirmedNotCharged: undone = true
            }
            switch undone {
            case true:
                advance(e.id, .cancelled, note: "loan undone by a checkin: the ILS refused the cancel flag", item: back)
                return true
            case false:
                logger.error("cancelling the loan of \(e.item) failed; the reconciler tries again")
                return false
            }
        } catch {
            logger.error("cancelling the loan of \(e.item): \(error); the reconciler tries again")
            return false
        }
    }
}
