import Foundation

/// The kiosk's one JSON path: sorted keys (stable bytes for change detection and tests), no
/// escaping of slashes. Swift's encoder escapes every control character in strings, so text
/// from tags cannot break out of a JSON string.
public enum KioskJSON {
    public static func encode(_ value: some Encodable) throws -> String {
        let e = JSONEncoder()
        e.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return String(decoding: try e.encode(value), as: UTF8.self)
    }
}
