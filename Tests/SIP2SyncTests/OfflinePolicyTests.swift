import SIP2
import Testing

@testable import SIP2Sync

@Suite struct OfflinePolicyTests {
    let ok = StoredACSStatus(online: false, offlineOK: true, checkoutOK: true, checkinOK: true, atUnix: 1000)

    @Test("E1 offline lending only when the ACS allowed it and config allows it")
    func decide() {
        let p = OfflinePolicy(enabled: true, maxItemsPerPatron: 2, maxHoursOffline: 1, loanDays: 14)
        #expect(
            OfflinePolicy(enabled: false).decide(
                lastStatus: ok, offlineSinceUnix: nil, nowUnix: 2000, queuedForPatron: 0, utcOffsetSeconds: 0)
                == .refused(.disabledByConfig))
        #expect(
            p.decide(lastStatus: nil, offlineSinceUnix: nil, nowUnix: 2000, queuedForPatron: 0, utcOffsetSeconds: 0)
                == .refused(.neverSawACSStatus))
        var no = ok; no.offlineOK = false
        #expect(
            p.decide(lastStatus: no, offlineSinceUnix: nil, nowUnix: 2000, queuedForPatron: 0, utcOffsetSeconds: 0)
                == .refused(.acsForbidsOffline))
        #expect(
            p.decide(lastStatus: ok, offlineSinceUnix: 0, nowUnix: 3601, queuedForPatron: 0, utcOffsetSeconds: 0)
                == .refused(.offlineTooLong))
        #expect(
            p.decide(lastStatus: ok, offlineSinceUnix: 0, nowUnix: 3600, queuedForPatron: 2, utcOffsetSeconds: 0) == .refused(.patronLimit))
        #expect(
            p.decide(lastStatus: ok, offlineSinceUnix: 0, nowUnix: 3600, queuedForPatron: 1, utcOffsetSeconds: 0)
                == .allowed(nbDueDate: SIP2Date(year: 1970, month: 1, day: 15, hour: 23, minute: 59)))
    }

    @Test("the offline desk writes the loan before answering, and counts per patron")
    func desk() throws {
        let (store, path) = try tempOutbox()
        try store.noteACSStatus(ok)
        let desk = OfflineDesk(store: store, policy: OfflinePolicy(enabled: true, maxItemsPerPatron: 1))
        guard case .accepted(let id, let due) = try desk.checkout(key: "a", patron: "P1", item: "B1", nowUnix: 2000, utcOffsetSeconds: 0)
        else { Issue.record("refused"); return }
        #expect(due != nil)
        // Already on disk for another connection (another process).
        #expect(try CirculationOutbox(path: path).entry(id: id)?.item == "B1")
        #expect(try desk.checkout(key: "b", patron: "P1", item: "B2", nowUnix: 2001, utcOffsetSeconds: 0) == .refused(.patronLimit))
        guard case .accepted = try desk.checkin(key: "c", item: "B9", nowUnix: 2002, utcOffsetSeconds: 0) else {
            Issue.record("refused"); return
        }
    }
}
