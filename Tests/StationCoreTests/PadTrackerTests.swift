import ISO28560
import StationCore
import Testing

@Suite struct PadTrackerTests {
    let book = PadTagID.hf(0xE004_0150_0000_0001)
    let dvd = PadTagID.hf(0xE004_0150_0000_0002)

    @Test func aTagAppearsWithItsFirstRead() throws {
        var pad = PadTracker()
        #expect(pad.tags.isEmpty && pad.contents.isEmpty && pad.generation == 0)
        let record = try Tags.hf("31110000001", title: "活着")
        #expect(pad.observe(read(book, record, at: 5 * sec)) == true)
        let tag = try #require(pad.tag(book))
        #expect(tag.pii == "31110000001" && tag.owner == ourISIL && tag.afi == 0x07 && tag.reader == "pad-1")
        #expect(tag.firstSeenNanos == 5 * sec && tag.lastSeenNanos == 5 * sec)
        #expect(pad.generation == 1)
        #expect(pad.contents.items.map(\.pii) == ["31110000001"])
        #expect(pad.contents.items.first?.title == "活着")
    }

    @Test func missedReadsWithinThePresenceTimeKeepTheTag() throws {
        var pad = PadTracker(presenceNanos: 1_500 * ms)
        let record = try Tags.hf("31110000001")
        pad.observe(read(book, record, at: 0))
        pad.observe(read(dvd, try Tags.hf("31110000002"), at: 0))
        // A stack is read in turns: the DVD answers, the book misses a few cycles.
        pad.observe(read(dvd, try Tags.hf("31110000002"), at: 1_000 * ms))
        #expect(pad.expire(now: 1_000 * ms) == false)
        #expect(pad.expire(now: 1_500 * ms) == false)  // exactly the presence time: still there
        #expect(pad.tags.count == 2)
        pad.observe(read(book, record, at: 1_400 * ms))
        #expect(pad.tag(book)?.lastSeenNanos == 1_400 * ms)
        #expect(pad.expire(now: 2_500 * ms) == false)
        #expect(pad.tags.count == 2)
    }

    @Test func aTagUnseenLongerThanThePresenceTimeExpires() throws {
        var pad = PadTracker(presenceNanos: 1_500 * ms)
        pad.observe(read(book, try Tags.hf("31110000001"), at: 0))
        pad.observe(read(dvd, try Tags.hf("31110000002"), at: 1_000 * ms))
        let generation = pad.generation
        #expect(pad.expire(now: 1_500 * ms + 1) == true)
        #expect(pad.tag(book) == nil && pad.tag(dvd) != nil)
        #expect(pad.generation == generation + 1)
        #expect(pad.expire(now: 1_600 * ms) == false)
        #expect(pad.generation == generation + 1)
        #expect(pad.expire(now: 10 * sec) == true)
        #expect(pad.tags.isEmpty && pad.contents.isEmpty)
    }

    @Test func aReadFromBeforeTheLastOneDoesNotMoveTheClockBack() throws {
        var pad = PadTracker(presenceNanos: sec)
        let record = try Tags.hf("31110000001")
        pad.observe(read(book, record, at: 5 * sec))
        pad.observe(read(book, record, at: 4 * sec, reader: "pad-2"))  // a slower reader's older report
        #expect(pad.tag(book)?.lastSeenNanos == 5 * sec)
        #expect(pad.expire(now: 6 * sec) == false)
        #expect(pad.tag(book) != nil)
    }

    @Test func theGenerationBumpsOnChangesOnly() throws {
        var pad = PadTracker()
        let record = try Tags.hf("31110000001")
        pad.observe(read(book, record, at: 0))
        #expect(pad.generation == 1)
        // The same read again, from another reader: nothing a patron would see changed.
        #expect(pad.observe(read(book, record, at: 100 * ms)) == false)
        #expect(pad.observe(read(book, record, at: 200 * ms, reader: "pad-2")) == false)
        #expect(pad.generation == 1)
        // A read without the AFI keeps the one known.
        #expect(pad.observe(read(book, record, at: 300 * ms, afi: nil)) == false)
        #expect(pad.tag(book)?.afi == 0x07 && pad.generation == 1)
        // The AFI written to "on loan".
        #expect(pad.observe(read(book, record, at: 400 * ms, afi: 0xC2)) == true)
        #expect(pad.generation == 2)
        // The memory rewritten.
        #expect(pad.observe(read(book, try Tags.hf("31110000001", title: "Brothers"), at: 500 * ms, afi: 0xC2)) == true)
        #expect(pad.generation == 3)
        // A second tag.
        #expect(pad.observe(read(dvd, try Tags.hf("31110000002"), at: 600 * ms)) == true)
        #expect(pad.generation == 4)
    }

    @Test func aFailedMemoryReadKeepsTheLastGoodDecode() throws {
        var pad = PadTracker()
        let record = try Tags.hf("31110000001", title: "Fortress Besieged")
        pad.observe(read(book, record, at: 0))
        let generation = pad.generation
        #expect(pad.observe(read(book, nil, at: 100 * ms, problem: "block 3: no answer")) == false)
        let tag = try #require(pad.tag(book))
        #expect(tag.record == record && tag.problem == nil && tag.pii == "31110000001")
        #expect(pad.generation == generation)
        #expect(pad.contents.items.count == 1 && pad.contents.unreadable.isEmpty)
    }

    @Test func aTagNeverDecodedTakesTheLatestProblemAndThenItsFirstGoodRead() throws {
        var pad = PadTracker()
        pad.observe(read(book, nil, at: 0, problem: "CRC mismatch"))
        #expect(pad.tag(book)?.problem == "CRC mismatch")
        #expect(pad.contents.unreadable.count == 1)
        #expect(pad.observe(read(book, nil, at: 100 * ms, problem: "block 0: no answer")) == true)
        #expect(pad.tag(book)?.problem == "block 0: no answer")
        #expect(pad.observe(read(book, try Tags.hf("31110000001"), at: 200 * ms)) == true)
        #expect(pad.tag(book)?.problem == nil && pad.tag(book)?.pii == "31110000001")
        #expect(pad.contents.unreadable.isEmpty && pad.contents.items.count == 1)
    }

    @Test func aUHFTagWhosePCWordChangedIsTheSameTag() throws {
        var pad = PadTracker()
        let secured = try Tags.uhf("31110000003", afi: 0x07)
        let unsecured = try Tags.uhf("31110000003", afi: 0xC2)
        guard case .uhf(let epc, let pcBefore) = secured.id, case .uhf(let epcAfter, let pcAfter) = unsecured.id else {
            Issue.record("not UHF ids")
            return
        }
        #expect(epc == epcAfter && pcBefore != pcAfter)
        #expect(pcBefore & 0xFF == 0x07 && pcAfter & 0xFF == 0xC2)
        pad.observe(read(secured.id, secured.record, at: 0, afi: UInt8(pcBefore & 0xFF)))
        // The AFI was written: the reader now reports the new PC word.
        #expect(pad.observe(read(unsecured.id, unsecured.record, at: 200 * ms, afi: UInt8(pcAfter & 0xFF))) == true)
        #expect(pad.tags.count == 1)
        let tag = try #require(pad.tag(secured.id))
        #expect(tag.id == unsecured.id && tag.afi == 0xC2 && tag.firstSeenNanos == 0)
        #expect(pad.tag(unsecured.id) != nil)
        #expect(pad.contents.items.map(\.pii) == ["31110000003"])
    }

    @Test func anHFAndAUHFTagAreNeverTheSameTag() {
        #expect(!PadTagID.hf(1).sameTag(.uhf(epc: [0, 0, 0, 0, 0, 0, 0, 1], pc: 0x3000)))
        #expect(PadTagID.uhf(epc: [1, 2], pc: 0x0800).sameTag(.uhf(epc: [1, 2], pc: 0x08C2)))
        #expect(!PadTagID.uhf(epc: [1, 2], pc: 0x0800).sameTag(.uhf(epc: [1, 3], pc: 0x0800)))
    }

    @Test func clearEmptiesThePadAndBumpsOnlyWhenSomethingWasThere() throws {
        var pad = PadTracker()
        pad.clear()
        #expect(pad.generation == 0)
        pad.observe(read(book, try Tags.hf("31110000001"), at: 0))
        pad.observe(read(dvd, try Tags.hf("31110000002"), at: 0))
        #expect(pad.generation == 2)
        pad.clear()
        #expect(pad.tags.isEmpty && pad.contents.isEmpty && pad.generation == 3)
        pad.clear()
        #expect(pad.generation == 3)
        // After a clear the tag comes back as new.
        #expect(pad.observe(read(book, try Tags.hf("31110000001"), at: 5 * sec)) == true)
        #expect(pad.tag(book)?.firstSeenNanos == 5 * sec)
    }
}
