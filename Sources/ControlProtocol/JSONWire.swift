import ISO28560

#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// The one JSON path of RFIDGate: Codable types through one encoder and decoder configuration.
/// The daemon's status report and run summary, every `rfidgatectl --json` output and (later)
/// the kiosk API use it. FoundationEssentials' coders need no ICU, so the daemon stays small.
///
/// Keys are sorted (Foundation's encoder keeps no declaration order) and slashes unescaped
/// (paths appear in reports); one object per line.
public enum JSONWire {
    public static func encoder() -> JSONEncoder {
        let e = JSONEncoder()
        e.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return e
    }

    public static func decoder() -> JSONDecoder { JSONDecoder() }

    /// One line of JSON text (no newline). Strings may hold tag data: besides the C0 controls
    /// the encoder escapes, C1 controls, bidirectional controls and line separators are written
    /// as \u escapes too, so the JSON is as safe on a terminal as SafeText's lines.
    public static func encode<T: Encodable>(_ value: T) throws -> String {
        let text = String(decoding: try encoder().encode(value), as: UTF8.self)
        guard text.unicodeScalars.contains(where: SafeText.needsEscape) else { return text }
        var out = ""
        for scalar in text.unicodeScalars {
            if SafeText.needsEscape(scalar) {
                let hex = String(scalar.value, radix: 16)
                out += "\\u" + String(repeating: "0", count: 4 - hex.count) + hex
            } else {
                out.unicodeScalars.append(scalar)
            }
        }
        return out
    }

    public static func decode<T: Decodable>(_ type: T.Type, from bytes: [UInt8]) throws -> T {
        try decoder().decode(type, from: Data(bytes))
    }

    public static func decode<T: Decodable>(_ type: T.Type, from text: String) throws -> T {
        try decode(type, from: Array(text.utf8))
    }
}

/// A number written with at most `decimals` places: the reports' rates and durations keep the
/// precision they had as fixed-point text (trailing zeros are not written).
public func rounded(_ v: Double, _ decimals: Int) -> Double {
    guard v.isFinite else { return 0 }
    var scale = 1.0
    for _ in 0..<decimals { scale *= 10 }
    return (v * scale).rounded() / scale
}
