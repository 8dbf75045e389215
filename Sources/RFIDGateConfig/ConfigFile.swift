import TOMLKit

/// Reads `GateConfig` from TOML. Unknown keys are errors, not silently ignored: a misspelt key
/// on a gate would otherwise run for months with a default nobody chose.
public enum ConfigFile {
    /// Every top-level table, read in this order (the first error wins). A new role's table
    /// (`[station]`, `[kiosk]`, `[fleet]`) is one more `ConfigSection` in this list.
    static var sections: [any ConfigSection.Type] {
        [
            ReadersSection.self, PipelineSection.self, PolicySection.self, CacheSection.self, SimulationSection.self,
            AlarmOutputSection.self, StatusSection.self, SIP2Section.self, StationSection.self, KioskSection.self,
        ]
    }

    public static func parse(_ text: String, source: String = "config") throws(ConfigError) -> GateConfig {
        let table: TOMLTable
        do { table = try TOMLTable(string: text) } catch {
            throw ConfigError("\(source): not valid TOML: \(error)")
        }
        var c = GateConfig()
        let r = TableReader(table: table, path: "", source: source)
        try r.allowOnly(Set(["role"] + sections.map { $0.key }))
        if let role = try r.string("role") {
            guard let v = GateConfig.Role(rawValue: role) else {
                throw ConfigError("\(source): role must be one of \(GateConfig.Role.allCases.map(\.rawValue)), not \"\(role)\"")
            }
            c.role = v
        }
        for section in sections { try section.read(from: r, into: &c) }
        try c.validate()
        return c
    }
}

/// One top-level key of the configuration file and the code that reads it into `GateConfig`.
/// Cross-key rules stay in `GateConfig.validate`, which runs once every section is read.
protocol ConfigSection {
    static var key: String { get }
    /// Reads `root[key]` when present; absent means the defaults stay.
    static func read(from root: TableReader, into c: inout GateConfig) throws(ConfigError)
}
