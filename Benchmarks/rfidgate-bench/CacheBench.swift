import ArgumentParser
import Circulation
import Gate
import ISO28560
import TagRing

#if canImport(Glibc)
import Glibc
#endif

/// `cache --items N`: the circulation store and the gate's index at library scale.
/// - `build_s`: writing N items (id, loan state, due date, title) into a fresh SQLite store,
///   as an import does (batches of 50,000 rows per transaction).
/// - `cold_start_s`: from the file on disk to the gate serving lookups: open, migrate, scan
///   `gate_keys`, build and install the index. The file's pages are first dropped from the
///   OS page cache (posix_fadvise DONTNEED), so this is a cold read (`--warm` keeps them).
/// - `index_rss_mb`: resident memory added by the cold start (VmRSS after − before; includes
///   SQLite's page cache of the scan), `index_table_mb` the table's exact size.
/// - `lookups_per_s`, `lookup_p99_us`: half hits, half misses, in random order, each lookup
///   hashing an `ItemID` as the decode thread does; p99 from timing every lookup with the
///   monotonic clock (the two clock reads, ~40 ns, are included: conservative).
/// - `db_mb`: the SQLite file (with its WAL).
struct CacheBench: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "cache", abstract: "Circulation store and gate index: build, cold start, lookups.")

    @Option(help: "Items in the store.") var items = 1_000_000
    @Option(help: "Lookups timed (half hits, half misses).") var lookups = 2_000_000
    @Option(help: "Store file (default: a fresh file in $TMPDIR, removed afterwards).") var db: String?
    @Flag(help: "Keep the store's pages in the OS page cache for the cold start.") var warm = false
    @Flag(help: "Reuse an existing store file at --db instead of building it.") var reuse = false
    @Flag(help: "Print one JSON object on the last line.") var json = false

    func run() throws {
        let clock = SystemMonotonicClock()
        let tmp = String(cString: getenv("TMPDIR") ?? strdup("/tmp"))
        let path = db ?? "\(tmp)/rfidgate-bench-\(getpid()).sqlite"
        defer { if db == nil { for s in ["", "-wal", "-shm"] { unlink(path + s) } } }

        // Build.
        var buildSeconds = 0.0
        if !(reuse && access(path, F_OK) == 0) {
            for s in ["", "-wal", "-shm"] { unlink(path + s) }
            let t0 = clock.nanoseconds()
            let store = try CirculationStore(path: path, durability: .normal, cacheMiB: 128)
            var batch: [ItemUpdate] = []
            batch.reserveCapacity(50_000)
            for i in 0..<items {
                let onLoan = i % 3 == 0
                batch.append(
                    ItemUpdate(
                        pii: Self.pii(i), loanState: onLoan ? .onLoan : .available, dueDate: onLoan ? "2030-01-31" : nil,
                        title: "Title \(i)"))
                if batch.count == 50_000 || i == items - 1 {
                    try store.upsert(batch, source: .import, at: 0, journal: false)
                    batch.removeAll(keepingCapacity: true)
                }
            }
            for i in stride(from: 7, to: items, by: 10_000) { try store.addHot(Self.pii(i), reason: "stolen", at: 0, journal: false) }
            try store.recordGateKeyCount()  // as an import does when it finishes
            try store.checkpoint()
            buildSeconds = Double(clock.nanoseconds() - t0) / 1e9
        }
        let dbBytes = ["", "-wal"].reduce(Int64(0)) { $0 + fileSize(path + $1) }
        if !warm { dropFromPageCache(path) }

        // Cold start: file → index serving lookups.
        let rssBefore = residentKiB()
        let cpuBefore = cpuSeconds()

        let t1 = clock.nanoseconds()
        let index = GateIndex()
        let store = try CirculationStore(path: path, durability: .full)
        let cache = CirculationCache(store: store, index: index)
        let load = try cache.coldStart()
        let coldSeconds = Double(clock.nanoseconds() - t1) / 1e9
        let coldCPU = cpuSeconds() - cpuBefore
        let rssAfter = residentKiB()

        precondition(load.entries == items, "index has \(load.entries) entries for \(items) items")

        // Probes: half known items, half unknown, shuffled.
        var rng = SplitMix64(seed: 42)
        var probes: [ItemID] = []
        probes.reserveCapacity(lookups)
        for k in 0..<lookups {
            let i = Int(rng.next() % UInt64(max(items, 1)))
            probes.append(ItemID(k % 2 == 0 ? Self.pii(i) : "4901" + Self.pii(i).dropFirst(4))!)
        }
        var found = 0
        // Warm-up pass, then the throughput pass.
        for p in probes.prefix(100_000) where index.lookup(CirculationKey.of(p)) != .none { found += 1 }
        found = 0
        let t2 = clock.nanoseconds()
        for p in probes where index.lookup(CirculationKey.of(p)) != .none { found += 1 }
        let lookupSeconds = Double(clock.nanoseconds() - t2) / 1e9
        precondition(abs(found - lookups / 2) <= 1, "expected half the probes to hit, got \(found) of \(lookups)")
        // Per-lookup latency.
        var histogram = LatencyHistogram()
        var sink = 0
        for p in probes {
            let a = clock.nanoseconds()
            sink &+= Int(index.lookup(CirculationKey.of(p)).raw)
            let b = clock.nanoseconds()
            histogram.record(nanos: b &- a)
        }
        if sink == -1 { print(sink) }

        report(
            "cache: \(items) items, \(lookups) lookups (half misses), \(warm ? "warm" : "cold") start",
            [
                ("build_s", (buildSeconds * 1000).rounded() / 1000),
                // The table is mmapped (fresh pages), so the VmRSS delta counts it fully.
                ("index_rss_mb", (Double(rssAfter - rssBefore) / 1024 * 10).rounded() / 10),
                ("index_table_mb", Double(index.tableBytes) / 1_048_576),
                ("lookups_per_s", (Double(lookups) / lookupSeconds).rounded()),
                ("lookup_p50_us", Double(histogram.percentile(0.5)) / 1000),
                ("lookup_p99_us", Double(histogram.percentile(0.99)) / 1000),
                ("lookup_max_us", Double(histogram.maxNanos) / 1000),
                ("cold_start_s", (coldSeconds * 1000).rounded() / 1000),
                // CPU the cold start used: on a busy machine cold_start_s - this is waiting (I/O, other processes).
                ("cold_start_cpu_s", (coldCPU * 1000).rounded() / 1000),
                ("db_mb", (Double(dbBytes) / 1_048_576 * 10).rounded() / 10),
            ], json: json)
    }

    static func pii(_ i: Int) -> String {
        let d = String(i)
        return "3901" + String(repeating: "0", count: max(0, 10 - d.count)) + d
    }
}

func fileSize(_ path: String) -> Int64 {
    var st = stat()
    return stat(path, &st) == 0 ? Int64(st.st_size) : 0
}

/// Evicts a file's (clean) pages from the OS page cache, for a cold-read measurement.
func dropFromPageCache(_ path: String) {
    let fd = open(path, O_RDONLY)
    guard fd >= 0 else { return }
    fdatasync(fd)
    posix_fadvise(fd, 0, 0, Int32(POSIX_FADV_DONTNEED))
    close(fd)
}

/// Current resident set size (VmRSS) in KiB.
func residentKiB() -> Int {
    guard let f = fopen("/proc/self/status", "r") else { return 0 }
    defer { fclose(f) }
    var line = [CChar](repeating: 0, count: 256)
    while fgets(&line, Int32(line.count), f) != nil {
        let s = line.withUnsafeBufferPointer { String(cString: $0.baseAddress!) }
        if s.hasPrefix("VmRSS:") { return Int(s.split(separator: " ").compactMap { Int($0) }.first ?? 0) }
    }
    return 0
}
