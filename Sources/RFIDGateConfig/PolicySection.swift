import Gate
import ISO28560

/// `[policy]`: how tags and the circulation cache decide an alarm, owners, alarm outputs.
enum PolicySection: ConfigSection {
    static let key = "policy"

    static func read(from root: TableReader, into c: inout GateConfig) throws(ConfigError) {
        guard let p = try root.subtable(key) else { return }
        let source = root.source
        try p.allowOnly([
            "afi_profile", "alarm_on_unknown_security", "alarm_on_undecodable", "not_for_circulation_alarm", "rule", "own_isils",
            "consortium_isils", "consortium_items", "foreign_items", "alarm_hold_ms", "alarm_command",
        ])
        if let name = try p.string("afi_profile") {
            guard let profile = AFIProfile(name: name) else { throw ConfigError("\(source): policy.afi_profile \"\(name)\" is unknown") }
            c.policy.afiProfile = profile
        }
        if let v = try p.bool("alarm_on_unknown_security") { c.policy.alarmOnUnknownSecurity = v }
        if let v = try p.bool("alarm_on_undecodable") { c.policy.alarmOnUndecodable = v }
        if let v = try p.bool("not_for_circulation_alarm") { c.policy.notForCirculationAlarms = v }
        try readCirculationRules(p, into: &c, source: source)
    }

    /// The keys of the circulation issue: the tag/cache rule, owners, alarm outputs.
    static func readCirculationRules(_ p: TableReader, into c: inout GateConfig, source: String) throws(ConfigError) {
        if let v = try p.string("rule") {
            guard let rule = TagCacheRule(rawValue: v) else {
                throw ConfigError("\(source): policy.rule must be one of \(TagCacheRule.allCases.map(\.rawValue)), not \"\(v)\"")
            }
            c.policy.rule = rule
        }
        c.policy.ownISILs = try isils(p, "own_isils", source) ?? c.policy.ownISILs
        c.policy.consortiumISILs = try isils(p, "consortium_isils", source) ?? c.policy.consortiumISILs
        for key in ["consortium_items", "foreign_items"] {
            guard let v = try p.string(key) else { continue }
            guard let rule = OwnerRule(rawValue: v) else {
                throw ConfigError("\(source): policy.\(key) must be one of \(OwnerRule.allCases.map(\.rawValue)), not \"\(v)\"")
            }
            if key == "consortium_items" { c.policy.consortiumItems = rule } else { c.policy.foreignItems = rule }
        }
        if let v = try p.int("alarm_hold_ms") { c.alarmHoldMillis = v }
        if let v = try p.string("alarm_command") { c.alarmCommand = v }
    }

    private static func isils(_ p: TableReader, _ key: String, _ source: String) throws(ConfigError) -> [ItemID]? {
        guard let list = try p.stringArray(key) else { return nil }
        var out: [ItemID] = []
        for s in list {
            // ISO 15511: prefix, hyphen, up to 11 characters; 16 at most in all.
            guard s.contains("-"), s.utf8.count <= 16, let id = ItemID(s) else {
                throw ConfigError("\(source): policy.\(key): \"\(s)\" is not an ISIL (such as \"DK-718500\")")
            }
            out.append(id)
        }
        return out
    }
}
