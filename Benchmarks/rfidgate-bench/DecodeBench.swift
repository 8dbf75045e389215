import ArgumentParser
import Glibc
import ISO28560

/// ISO 28560 decode benchmarks (one core). The lead wires `runDecodeBenchmark()` into the bench CLI.
///
/// Keys:
/// - part2_pii_tags_per_s: PII-only ISO 28560-2 tag (Annex D first row, in a 64-byte ring-slot-sized
///   buffer) through `GateFastPath.decode(hfMemory:dsfid:)`.
/// - part2_pii_allocs_per_decode: heap allocations per fast-path decode, counted by the Swift
///   runtime's allocation hook (`_swift_allocObject`, every Swift heap object: array, string,
///   dictionary buffers, boxes, closure contexts). -1 when the hook is not available.
/// - part2_full_tags_per_s: the full Annex D tag through `TagDecoder.decodeHF` (typed record, strings).
/// - part3_tags_per_s: a 34-byte ISO 28560-3 basic block through the gate fast path (CRC checked).
/// - part4_uii_tags_per_s: the ISO/TS 28560-4 UII example (PC + URN Code 40) through the UHF fast path.
func runDecodeBenchmark() -> [(String, Double)] {
    let piiOnly = padded(hexBytes("9100051CBE991A14"), to: 64)
    let annexD = hexBytes("9100051CBE991A140201D0140204B34607441CB6E2E335D6830207ACC09EBAA06F6B0000")
    let part3 = padded(hexBytes("11030261622D313233342F780000000000000049D5444B3731383530300000000000"), to: 36)
    let uii = hexBytes("45C2141CC04FC70BADB5C6E2DA1DED4DD319")

    var results: [(String, Double)] = []
    results.append(
        (
            "part2_pii_tags_per_s",
            piiOnly.withUnsafeBytes { mem in
                rate { GateFastPath.decode(hfMemory: mem, dsfid: 0x06).checksum }
            }
        ))
    results.append(
        (
            "part2_pii_allocs_per_decode",
            piiOnly.withUnsafeBytes { mem in
                allocationsPerCall(100_000) { GateFastPath.decode(hfMemory: mem, dsfid: 0x06).checksum }
            }
        ))
    results.append(
        (
            "part2_full_tags_per_s",
            rate {
                ((try? TagDecoder.decodeHF(annexD, dsfid: 0x06))?.record?.primaryItemIdentifier?.utf8.count) ?? 0
            }
        ))
    results.append(
        (
            "part3_tags_per_s",
            part3.withUnsafeBytes { mem in
                rate { GateFastPath.decode(hfMemory: mem, dsfid: 0x00).checksum }
            }
        ))
    results.append(
        (
            "part4_uii_tags_per_s",
            uii.withUnsafeBytes { mem in
                rate { GateFastPath.decode(uiiMemory: mem, userMemory: UnsafeRawBufferPointer(start: nil, count: 0)).checksum }
            }
        ))
    return results
}

extension GateDecode {
    /// Something cheap that depends on the whole result, so the optimiser cannot drop the decode.
    fileprivate var checksum: Int {
        switch self {
        case .item(let i): return i.pii.count &+ i.owner.count &+ Int(i.partsInSet)
        case .blank: return 1
        case .unrecognised(let f): return Int(f.rawValue)
        case .malformed(let e): return e.offset
        }
    }
}

@inline(never)
private func blackHole(_ x: Int) {
    if x == Int.min { print("") }
}

/// Calls per second: batches of 10,000 until at least 0.5 s have passed.
private func rate(_ body: () -> Int) -> Double {
    let clock = ContinuousClock()
    for _ in 0..<10_000 { blackHole(body()) }  // warm-up
    var calls = 0
    var acc = 0
    let start = clock.now
    var elapsed = Duration.zero
    repeat {
        for _ in 0..<10_000 { acc &+= body() }
        calls += 10_000
        elapsed = clock.now - start
    } while elapsed < .milliseconds(500)
    blackHole(acc)
    let c = elapsed.components
    return Double(calls) / (Double(c.seconds) + Double(c.attoseconds) * 1e-18)
}

// MARK: Allocation counting through the Swift runtime's allocObject hook.

private typealias AllocObject = @convention(c) (UnsafeRawPointer?, Int, Int) -> UnsafeMutableRawPointer?
nonisolated(unsafe) private var originalAllocObject: AllocObject? = nil
nonisolated(unsafe) private var allocationCount = 0

private let countingAllocObject: AllocObject = { metadata, size, alignMask in
    allocationCount &+= 1
    return originalAllocObject!(metadata, size, alignMask)
}

/// Average Swift heap allocations per call over `n` calls; -1 if the runtime hook is missing.
private func allocationsPerCall(_ n: Int, _ body: () -> Int) -> Double {
    guard let hook = dlsym(UnsafeMutableRawPointer(bitPattern: 0), "_swift_allocObject"),
        let enable = dlsym(
            UnsafeMutableRawPointer(bitPattern: 0), "_swift_enableSwizzlingOfAllocationAndRefCountingFunctions_forInstrumentsOnly")
    else { return -1 }
    let slot = hook.assumingMemoryBound(to: AllocObject?.self)
    let flag = enable.assumingMemoryBound(to: UInt8.self)
    for _ in 0..<1_000 { blackHole(body()) }  // warm-up: lazy globals, metadata
    originalAllocObject = slot.pointee
    let oldFlag = flag.pointee
    slot.pointee = countingAllocObject
    flag.pointee = 1
    // Self-test: the hook must see a known allocation, or the count would be a false zero.
    allocationCount = 0
    blackHole(makeOneAllocation())
    let hookWorks = allocationCount > 0
    allocationCount = 0
    var acc = 0
    for _ in 0..<n { acc &+= body() }
    let count = allocationCount
    flag.pointee = oldFlag
    slot.pointee = originalAllocObject
    blackHole(acc)
    return hookWorks ? Double(count) / Double(n) : -1
}

private final class Box { var v = 7 }
nonisolated(unsafe) private var escapedBox: Box? = nil

/// One certain heap allocation: the object escapes into a global, so it cannot live on the stack.
@inline(never)
private func makeOneAllocation() -> Int {
    escapedBox = Box()
    defer { escapedBox = nil }
    return escapedBox!.v
}

private func hexBytes(_ s: String) -> [UInt8] { parseHex(s) ?? [] }

private func padded(_ b: [UInt8], to n: Int) -> [UInt8] { b + [UInt8](repeating: 0, count: max(0, n - b.count)) }

/// `decode`: ISO 28560 decoding rates, one core; the gate fast path must not allocate.
struct DecodeBenchCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "decode", abstract: "ISO 28560 decode rates and allocations.")
    @Flag(help: "Print one JSON object on the last line.") var json = false
    func run() {
        report("decode: ISO 28560 tags through the decoders, one thread", runDecodeBenchmark(), json: json)
    }
}
