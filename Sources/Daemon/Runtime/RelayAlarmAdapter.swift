import Gate
import Readers

/// Lets the `[alarm_output]` relay be driven like every other alarm output (the event
/// recorder switches all of them on an alarm). The relay keeps its own pulse timer
/// (`pulse_ms`), so "off" is left to it: a relay that missed the "off" never stays lit. Being
/// `pulsed`, every new alarm triggers it again, so it stays on `pulse_ms` after the last one.
final class RelayAlarmAdapter: AlarmOutput, @unchecked Sendable {
    let relay: RelayAlarmOutput
    let name: String

    init(_ relay: RelayAlarmOutput) {
        self.relay = relay
        name = "relay \(relay.relays.map(String.init).joined(separator: ","))"
    }

    var pulsed: Bool { true }

    func set(active: Bool) throws {
        if active { relay.trigger() }
    }
}
