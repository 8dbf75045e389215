import Foundation
import SIP2
import SIP2Sync

/// A fresh outbox in its own store file (and the file's path, for a second connection).
func tempOutbox() throws -> (CirculationOutbox, String) {
    let path = FileManager.default.temporaryDirectory.appendingPathComponent("sip2-outbox-\(UUID().uuidString).sqlite").path
    return (try CirculationOutbox(path: path), path)
}

func newEntry(
    _ key: String, _ kind: OutboxEntry.Kind = .checkout, patron: String? = "P0001", item: String, at unix: Int64 = 1_735_729_200
) -> NewOutboxEntry {
    NewOutboxEntry(
        key: key, kind: kind, patron: kind == .checkout ? patron : nil, item: item, transactionUnix: unix,
        transactionDate: SIP2Date(unixSeconds: unix),
        nbDueDate: kind == .checkout ? SIP2Date(year: 2031, month: 2, day: 3, hour: 23, minute: 59) : nil)
}
