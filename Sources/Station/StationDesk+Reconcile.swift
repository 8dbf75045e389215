import Circulation
import CirculationModel
import SIP2
import SIP2Client
import StationCore

/// Crash recovery and tag repair. After a restart every unfinished journal entry is settled
/// by `Reconciliation.decide` (finish the tag write while the tag lies on the pad, cancel the
/// loan when it does not); tags whose state disagrees with the ILS are put right on the pad.
extension StationDesk {
    /// Settles every open journal entry it can now; returns how many it closed. Call after
    /// the pad has been read for `settings.settleNanos` (so "not on the pad" means it).
    @discardableResult
    public func reconcile() async -> Int {
        guard let rows = try? store.openJournalEntries() else { return 0 }
        var closed = 0
        for row in rows {
            guard let entry = Self.entry(row) else { continue }
            let tags = (row.tag ?? "").split(separator: ",").compactMap { PadTagID(journal: String($0)) }
            if await settle(entry, tags: tags, title: row.title) { closed += 1 }
        }
        counters.reconciled += closed
        return closed
    }

    /// Open journal entries now (status, tests).
    public func openEntries() -> Int { (try? store.openJournalEntries().count) ?? -1 }

    static func entry(_ r: StationJournalRow) -> JournalEntry? {
        guard let kind = LoanKind(rawValue: r.kind), let phase = JournalPhase(rawValue: r.phase) else { return nil }
        return JournalEntry(
            id: r.id, session: r.session, kind: kind, patron: r.patron, item: r.item,
            tag: r.tag.flatMap { $0.split(separator: ",").first.flatMap { PadTagID(journal: String($0)) } }, phase: phase,
            offline: r.offline, outboxKey: r.outboxKey, note: r.note)
    }

    private func settle(_ e: JournalEntry, tags: [PadTagID], title: String?) async -> Bool {
        var entry = e
        var ilsSaysDone: Bool?
        var tagOnPad = !tags.isEmpty && tags.allSatisfy { pad.tag($0) != nil }
        for _ in 0..<4 {
            switch Reconciliation.decide(entry, tagOnPad: tagOnPad, ilsSaysDone: ilsSaysDone, ilsReachable: ils != nil) {
            case .wait:
                return false
            case .askILS:
                guard let ils else { return false }
                let item = entry.item
                guard
                    let info = try? await ils.with({ c throws(SIP2ClientError) in try await c.itemInformation(item) })
                else { return false }
                switch entry.kind {
                case .checkout, .renewal: ilsSaysDone = info.isCharged
                case .checkin: ilsSaysDone = !info.isCharged
                }
                if ilsSaysDone == true { entry.phase = .accepted }
            case .finishTagWrite(let target):
                var failed = false
                for id in tags {
                    guard let t = pad.tag(id) else {
                        failed = true
                        break
                    }
                    do { _ = try await writer.set(target, on: id, reader: t.reader) } catch {
                        failed = true
                        break
                    }
                }
                if failed {
                    tagOnPad = false
                    entry.phase = .tagWriting
                    continue
                }
                advance(
                    entry.id, .done, note: "finished after a restart",
                    item: ItemUpdate(pii: entry.item, loanState: entry.kind == .checkin ? .available : .onLoan, title: title))
                logger.notice("journal \(entry.id): \(entry.kind.rawValue) of \(entry.item) finished after a restart")
                return true
            case .cancelLoan:
                let ok = await cancelLoan(entry, tags: tags, reader: nil)
                if ok { logger.notice("journal \(entry.id): loan of \(entry.item) cancelled after a restart (tag not on the pad)") }
                return ok
            case .close(let phase, let note):
                advance(entry.id, phase, note: note)
                if phase == .unresolved { counters.unresolved += 1 }
                logger.notice("journal \(entry.id): \(entry.item) closed as \(phase.rawValue): \(note)")
                return true
            }
        }
        return false
    }

    /// Puts right tags on the pad whose security state disagrees with the ILS (a book-drop
    /// return never re-secured, an item unsecured but never lent). Only when no session is
    /// working; each tag is checked once per pad change. Returns how many were fixed.
    @discardableResult
    public func auditPad() async -> Int {
        guard case .idle = session.state, let ils else { return 0 }
        let contents = pad.contents
        var fixed = 0
        for item in contents.items {
            for tag in item.tags {
                guard let afi = tag.afi else { continue }
                // Audited already: unless the pad read another AFI since (a pad reading older than
                // the audit may still show what a fix just replaced).
                if let seen = auditedTags[tag.id.description], seen.afi == afi || tag.lastSeenNanos < seen.atNanos { continue }
                guard let info = try? await ils.with({ c throws(SIP2ClientError) in try await c.itemInformation(item.pii) }),
                    info.circulationStatus != nil
                else { continue }
                let target: TagTarget = info.isCharged ? .unsecured : .secured
                let want = settings.security.afi(target)
                auditedTags[tag.id.description] = (want, clock.nanoseconds())
                guard afi != want, case .idle = session.state else { continue }
                do {
                    _ = try await writer.set(target, on: tag.id, reader: tag.reader)
                    auditedTags[tag.id.description] = (want, clock.nanoseconds())
                    fixed += 1
                    counters.tagFixes += 1
                    try? store.recordTagFix(
                        TagFixRow(
                            atUnix: unixNow(), item: item.pii, tag: tag.id.description, fromAFI: Int(afi), toAFI: Int(want),
                            reason: info.isCharged ? "on loan at the ILS but the tag was secured" : "not on loan but the tag was unsecured")
                    )
                    logger.notice("tag of \(item.pii) put right: AFI \(afi) → \(want) (ILS: \(info.isCharged ? "on loan" : "not on loan"))")
                    emit(.tagFixed(item: item.pii, toAFI: want))
                } catch {
                    auditedTags[tag.id.description] = nil
                }
            }
        }
        if auditedTags.count > 4096 { auditedTags.removeAll() }
        return fixed
    }
}
