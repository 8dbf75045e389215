import Gate
import ISO28560
import RFIDGateConfig
import Testing

@Suite("Configuration: cache and policy keys")
struct CirculationConfigTests {
    @Test func everyNewKeyIsRead() throws {
        let c = try ConfigFile.parse(
            """
            [policy]
            rule = "either"
            own_isils = ["DK-718500"]
            consortium_isils = ["DK-715700", "DK-716700"]
            consortium_items = "pass"
            foreign_items = "alarm"
            alarm_hold_ms = 1500
            alarm_command = "logger alarm"
            [cache]
            path = "/tmp/x.sqlite"
            watch_ms = 250
            [simulation]
            hot_items = 2
            foreign_items = 5
            foreign_isil = "SE-ABC"
            foreign_carry_fraction = 0.3
            """)
        #expect(c.policy.rule == .either)
        #expect(c.policy.ownISILs == ["DK-718500"])
        #expect(c.policy.consortiumISILs == ["DK-715700", "DK-716700"])
        #expect(c.policy.consortiumItems == .pass && c.policy.foreignItems == .alarm)
        #expect(c.alarmHoldMillis == 1500 && c.alarmCommand == "logger alarm")
        #expect(c.cache.path == "/tmp/x.sqlite" && c.cache.watchMillis == 250 && c.cachePath == "/tmp/x.sqlite")
        #expect(c.simulation.hotItems == 2 && c.simulation.foreignItems == 5 && c.simulation.foreignISIL == "SE-ABC")
        #expect(c.simulation.foreignCarryFraction == 0.3)
    }

    @Test func defaultsAndErrorsNameTheKey() throws {
        let d = GateConfig()
        #expect(d.policy.rule == .tag && d.alarmHoldMillis == 3000 && d.alarmCommand == nil)
        #expect(d.cachePath.hasSuffix("/simulation.sqlite"))  // the embedded default is the simulation
        let bad: [(String, String)] = [
            ("[policy]\nrule = \"sometimes\"", "policy.rule"),
            ("[policy]\nown_isils = [\"not an isil\"]", "policy.own_isils"),
            ("[policy]\nforeign_items = \"maybe\"", "policy.foreign_items"),
            ("[policy]\nalarm_hold_ms = -1", "alarm_hold_ms"),
            ("[cache]\nwatch_ms = 5", "watch_ms"),
            ("[cache]\npaht = \"x\"", "unknown key cache.paht"),
        ]
        for (text, key) in bad {
            do {
                _ = try ConfigFile.parse(text)
                Issue.record("accepted: \(text)")
            } catch {
                #expect(error.message.contains(key), "\(error.message)")
            }
        }
    }
}
