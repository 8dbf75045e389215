@_spi(Testing) import Circulation
import Testing

/// The durability a store is opened with is what its commits get: GRDB turns a pool's writer to
/// synchronous=NORMAL when it enables WAL, so the store must set it again on the writer.
@Suite struct DurabilityTests {
    @Test func aFullStoreCommitsWithSynchronousFullOnEveryConnection() throws {
        let dir = TempDir("durability")
        defer { dir.remove() }
        let full = try CirculationStore(path: dir.file("full.sqlite"), durability: .full)
        let f = try full.synchronousLevels()
        #expect(f.writer == 2 && f.reader == 2, "FULL expected on the writer and readers, got \(f)")
        let normal = try CirculationStore(path: dir.file("normal.sqlite"), durability: .normal)
        let n = try normal.synchronousLevels()
        #expect(n.writer == 1 && n.reader == 1, "NORMAL expected, got \(n)")
    }
}
