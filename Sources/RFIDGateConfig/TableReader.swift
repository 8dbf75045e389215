import TOMLKit

/// Typed access to one TOML table with errors that name the full key.
struct TableReader {
    let table: TOMLTable
    let path: String
    let source: String

    func allowOnly(_ keys: Set<String>) throws(ConfigError) {
        for key in table.keys where !keys.contains(key) {
            throw ConfigError("\(source): unknown key \(path)\(key) (known here: \(keys.sorted().joined(separator: ", ")))")
        }
    }

    private func wrong(_ key: String, _ type: String) -> ConfigError {
        ConfigError("\(source): \(path)\(key) must be \(type)")
    }

    func string(_ key: String) throws(ConfigError) -> String? {
        guard let v = table[key] else { return nil }
        guard let s = v.string else { throw wrong(key, "a string") }
        return s
    }

    func int(_ key: String) throws(ConfigError) -> Int? {
        guard let v = table[key] else { return nil }
        guard let i = v.int else { throw wrong(key, "an integer") }
        return i
    }

    func double(_ key: String) throws(ConfigError) -> Double? {
        guard let v = table[key] else { return nil }
        if let d = v.double { return d }
        if let i = v.int { return Double(i) }
        throw wrong(key, "a number")
    }

    func bool(_ key: String) throws(ConfigError) -> Bool? {
        guard let v = table[key] else { return nil }
        guard let b = v.bool else { throw wrong(key, "true or false") }
        return b
    }

    func intArray(_ key: String) throws(ConfigError) -> [Int]? {
        guard let v = table[key] else { return nil }
        guard let a = v.array else { throw wrong(key, "an array of integers") }
        var out: [Int] = []
        for e in a {
            guard let i = e.int else { throw wrong(key, "an array of integers") }
            out.append(i)
        }
        return out
    }

    func stringArray(_ key: String) throws(ConfigError) -> [String]? {
        guard let v = table[key] else { return nil }
        guard let a = v.array else { throw wrong(key, "an array of strings") }
        var out: [String] = []
        for e in a {
            guard let s = e.string else { throw wrong(key, "an array of strings") }
            out.append(s)
        }
        return out
    }

    func subtable(_ key: String) throws(ConfigError) -> TableReader? {
        guard let v = table[key] else { return nil }
        guard let t = v.table else { throw wrong(key, "a table ([\(key)])") }
        return TableReader(table: t, path: "\(path)\(key).", source: source)
    }
}
