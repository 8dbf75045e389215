import Foundation
import ISO28560

/// A JSON request body, checked strictly against the OpenAPI document's schema: an object
/// with only the named keys, each of the right type and size. What does not fit is refused
/// (400) before anything acts on it.
struct RequestBody {
    struct Invalid: Error { let why: String }

    let members: [(String, JSONValue)]

    init(_ bytes: [UInt8], required: Set<String>, optional: Set<String> = []) throws(Invalid) {
        let value: JSONValue
        do { value = try JSONDecoder().decode(JSONValue.self, from: Data(bytes)) } catch {
            throw Invalid(why: "the body is not JSON")
        }
        guard case .object = value else { throw Invalid(why: "the body must be a JSON object") }
        try self.init(value: value, required: required, optional: optional)
    }

    init(value: JSONValue, required: Set<String>, optional: Set<String> = []) throws(Invalid) {
        guard case .object(let members) = value else { throw Invalid(why: "each entry must be a JSON object") }
        for (k, _) in members where !required.contains(k) && !optional.contains(k) {
            throw Invalid(why: "unknown field \(SafeText.display(String(k.prefix(64))))")
        }
        for k in required.sorted() where !members.contains(where: { $0.0 == k }) { throw Invalid(why: "missing field \(k)") }
        self.members = members
    }

    func value(_ key: String) -> JSONValue? { members.first { $0.0 == key }?.1 }

    func string(_ key: String, length: ClosedRange<Int>, allowed: ((Unicode.Scalar) -> Bool)? = nil) throws(Invalid) -> String? {
        guard let v = value(key) else { return nil }
        guard case .string(let s) = v else { throw Invalid(why: "\(key) must be a string") }
        // JSON Schema's lengths count code points, not grapheme clusters.
        guard length.contains(s.unicodeScalars.count) else {
            throw Invalid(why: "\(key) must be \(length.lowerBound)...\(length.upperBound) characters")
        }
        if let allowed, !s.unicodeScalars.allSatisfy(allowed) { throw Invalid(why: "\(key) holds characters it may not") }
        return s
    }

    func int(_ key: String, range: ClosedRange<Int>) throws(Invalid) -> Int? {
        guard let v = value(key) else { return nil }
        guard case .int(let i) = v, range.contains(i) else {
            throw Invalid(why: "\(key) must be an integer \(range.lowerBound)...\(range.upperBound)")
        }
        return i
    }

    func bool(_ key: String) throws(Invalid) -> Bool? {
        guard let v = value(key) else { return nil }
        guard case .bool(let b) = v else { throw Invalid(why: "\(key) must be true or false") }
        return b
    }

    func array(_ key: String, count: ClosedRange<Int>) throws(Invalid) -> [JSONValue]? {
        guard let v = value(key) else { return nil }
        guard case .array(let a) = v, count.contains(a.count) else {
            throw Invalid(why: "\(key) must be a list of \(count.lowerBound)...\(count.upperBound) entries")
        }
        return a
    }
}
