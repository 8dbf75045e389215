import Foundation
import Testing

@testable import ISO28560

/// One entry of Fixtures/iso28560.json (the shared vectors).
struct Vector: Sendable, CustomTestStringConvertible {
    let id: String
    let standard: String
    let bytes: [UInt8]
    let decoded: [String: any Sendable]
    let dsfid: UInt8?
    let expectedClassification: String?
    let layout: [[String: any Sendable]]
    let blockSize: Int?
    let lockedBlocks: String?

    var testDescription: String { id }

    static let all: [Vector] = {
        let url = Bundle.module.url(forResource: "iso28560", withExtension: "json", subdirectory: "Fixtures")!
        let data = try! Data(contentsOf: url)
        let list = try! JSONSerialization.jsonObject(with: data) as! [[String: Any]]
        return list.map { v in
            let dsfidText = (v["dsfid"] as? String) ?? (v["dsfid_in_memory"] as? String)
            return Vector(
                id: v["id"] as! String,
                standard: v["standard"] as! String,
                bytes: parseHex(v["hex"] as! String)!,
                decoded: sendable(v["decoded"] as! [String: Any]),
                dsfid: dsfidText.flatMap { UInt8($0.prefix(2), radix: 16) },
                expectedClassification: v["expected_classification"] as? String,
                layout: ((v["layout"] as? [[String: Any]]) ?? []).map(sendable),
                blockSize: v["block_size"] as? Int,
                lockedBlocks: v["locked_blocks"] as? String)
        }
    }()

    static func named(_ id: String) -> Vector { all.first { $0.id == id }! }
    static var part2: [Vector] { all.filter { $0.standard.hasPrefix("28560-2") } }
    static var part3: [Vector] { all.filter { $0.standard.hasPrefix("28560-3") } }
}

private func sendable(_ d: [String: Any]) -> [String: any Sendable] {
    // The only booleans in the file are the *_ok flags (NSNumber cannot tell them apart on Linux).
    Dictionary(
        uniqueKeysWithValues: d.map { k, v -> (String, any Sendable) in
            switch v {
            case let s as String: return (k, s)
            case let n as NSNumber where k.hasSuffix("_ok"): return (k, n.boolValue)
            case let n as NSNumber: return (k, n.intValue)
            case let a as [Any]: return (k, a.map { ($0 as? NSNumber)?.intValue ?? 0 })
            case let o as [String: Any]: return (k, sendable(o))
            default: return (k, String(describing: v))
            }
        })
}

func withBytes<R>(_ b: [UInt8], _ body: (UnsafeRawBufferPointer) -> R) -> R { b.withUnsafeBytes(body) }

func hex(_ s: String) -> [UInt8] { parseHex(s)! }
