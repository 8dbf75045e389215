import Logging
import Testing

@testable import Daemon

@Suite struct JournalFieldTests {
    @Test func metadataKeysBecomeValidJournalFieldNames() {
        #expect(JournalLogHandler.fieldName("reader.id") == "READER_ID")
        #expect(JournalLogHandler.fieldName("item.id") == "ITEM_ID")
        #expect(JournalLogHandler.fieldName("_secret") == "F__SECRET")
        #expect(JournalLogHandler.fieldName("9lives") == "F_9LIVES")
        #expect(JournalLogHandler.fieldName("ring.high-water") == "RING_HIGH_WATER")
    }

    @Test func levelsMapToSyslogPriorities() {
        #expect(JournalLogHandler.priority(.error) == 3)
        #expect(JournalLogHandler.priority(.notice) == 5)
        #expect(JournalLogHandler.priority(.debug) == 7)
    }
}
