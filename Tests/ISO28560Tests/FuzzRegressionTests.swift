import Foundation
import Testing

@testable import ISO28560

/// Replays inputs the fuzzer (Fuzz/ISO28560Fuzz.swift) found, with the same checks it makes:
/// no trap, fast path and full decoder agree, decoded records re-encode to the same record.
@Suite struct FuzzRegressionTests {
    static let inputs: [(String, [UInt8])] = {
        let dir = Bundle.module.resourceURL!.appendingPathComponent("Fixtures/fuzz-regressions")
        let files = (try? FileManager.default.contentsOfDirectory(atPath: dir.path)) ?? []
        return files.filter { $0.hasSuffix(".hex") }.sorted().map { name in
            let text = try! String(contentsOf: dir.appendingPathComponent(name), encoding: .utf8)
            return (name, parseHex(text.trimmingCharacters(in: .whitespacesAndNewlines))!)
        }
    }()

    @Test func thereAreRegressionInputs() {
        #expect(!Self.inputs.isEmpty)
    }

    @Test(arguments: inputs.map(\.0))
    func replay(_ name: String) {
        let data = Self.inputs.first { $0.0 == name }!.1
        guard let selector = data.first else { return }
        FuzzOracle.run(selector: selector, mem: Array(data.dropFirst()))
    }
}

/// The fuzz target's oracle, reporting through Swift Testing instead of trapping.
enum FuzzOracle {
    static func run(selector: UInt8, mem: [UInt8]) {
        switch selector % 4 {
        case 0: hf(mem, dsfid: 0x06)
        case 1: hf(mem, dsfid: selector >> 2 == 0 ? 0x00 : selector)
        case 2: uhf(mem, split: Int(selector >> 2))
        default:
            _ = try? Part3.decode(mem)
            _ = try? Part4.decodeUserMemory(mem)
            _ = try? Part2.decode(mem)
        }
    }

    static func hf(_ mem: [UInt8], dsfid: UInt8) {
        let fast = mem.withUnsafeBytes { GateFastPath.decode(hfMemory: $0, dsfid: dsfid, afi: 0x07) }
        let full = try? TagDecoder.decodeHF(mem, dsfid: dsfid)
        _ = full.map { $0.json }
        switch fast {
        case .item(let item):
            guard let full, let record = full.record, full.error == nil else {
                Issue.record("fast path gave an item, full decode failed")
                return
            }
            #expect(item.pii.string == record.primaryItemIdentifier)
            if let owner = record.ownerInstitution, owner.utf8.count <= 32 { #expect(item.owner.string == owner) }
            #expect(item.typeOfUsage == record.typeOfUsage)
            #expect(item.usageClass == record.typeOfUsage.map { $0 >> 4 })
            if let p2 = full.part2, let image = try? Part2.encode(p2.record, blockSize: 4) {
                #expect((try? Part2.decode(image))?.record == p2.record)
            }
            if let p3 = full.part3, let image = try? Part3.encode(p3.record) {
                #expect((try? Part3.decode(image))?.record == p3.record)
            }
        case .blank:
            #expect(full?.format == .blank)
        case .malformed, .unrecognised:
            break
        }
    }

    static func uhf(_ mem: [UInt8], split: Int) {
        let k = min(split, mem.count)
        let uii = Array(mem[..<k]), user = Array(mem[k...])
        let fast = uii.withUnsafeBytes { u in user.withUnsafeBytes { GateFastPath.decode(uiiMemory: u, userMemory: $0) } }
        let full = try? TagDecoder.decodeUHF(uii: uii, userMemory: user)
        _ = full.map { $0.json }
        if case .item(let item) = fast {
            #expect(item.pii.string == full?.record?.primaryItemIdentifier)
            #expect(item.typeOfUsage == full?.record?.typeOfUsage)
        }
    }
}
