import Daemon
import Foundation
import Gate
import Logging
import RFIDGateConfig
import ReaderHub
import Readers
import Testing
import Threads

@Suite("Reader digital I/O configuration")
struct DigitalIOConfigTests {
    @Test func readsAlarmOutputsAndBeams() throws {
        let c = try ConfigFile.parse(
            """
            [[readers]]
            id = "hf-gate"
            driver = "feig-tcp"
            host = "10.0.0.5"
            alarm_outputs = [1, 2]
            beam_inputs = [1, 2]
            beam_poll_ms = 50
            beam_inverted = true
            [[readers]]
            id = "pad"
            driver = "feig-usb"
            beam_inputs = [3]
            beam_direction = "leaving"
            [[readers]]
            id = "uhf"
            driver = "llrp"
            host = "10.0.0.6"
            """)
        #expect(c.readers[0].alarmOutputs == [1, 2])
        #expect(c.readers[0].beam == BeamSettings(inputs: [1, 2], pollNanos: 50_000_000, inverted: true))
        #expect(c.readers[1].alarmOutputs == [])
        #expect(c.readers[1].beam == BeamSettings(inputs: [3], pollNanos: 100_000_000, direction: .leaving))
        #expect(c.readers[2].alarmOutputs == [] && c.readers[2].beam == nil)
    }

    @Test(arguments: [
        ("[[readers]]\ndriver = \"llrp\"\nhost = \"x\"\nalarm_outputs = [1]", "driver \"llrp\" has no digital outputs or inputs"),
        ("[[readers]]\ndriver = \"llrp\"\nhost = \"x\"\nbeam_inputs = [1, 2]", "driver \"llrp\" has no digital outputs or inputs"),
        ("[[readers]]\nalarm_outputs = [0]", "alarm_outputs are numbered 1...8"),
        ("[[readers]]\nalarm_outputs = 1", "alarm_outputs must be an array of integers"),
        ("[[readers]]\nbeam_inputs = [1, 2, 3]", "beam_inputs must be one input"),
        ("[[readers]]\nbeam_inputs = [2, 2]", "beam_inputs must be one input"),
        ("[[readers]]\nbeam_inputs = [1, 9]", "beam_inputs are numbered 1...8"),
        ("[[readers]]\nbeam_inputs = [1, 2]\nbeam_poll_ms = 5", "beam_poll_ms must be 20...1000"),
        ("[[readers]]\nbeam_inputs = [1]", "set beam_direction"),
        ("[[readers]]\nbeam_inputs = [1, 2]\nbeam_direction = \"leaving\"", "beam_direction is for a single beam"),
        ("[[readers]]\nbeam_inputs = [1]\nbeam_direction = \"out\"", "beam_direction must be \"entering\" or \"leaving\""),
        ("[[readers]]\nbeam_poll_ms = 100", "need beam_inputs"),
        ("[[readers]]\nbeam = { inputs = [1, 2] }", "unknown key readers[0].beam"),
    ])
    func badDigitalIOKeysSayWhatToFix(text: String, message: String) {
        do {
            _ = try ConfigFile.parse(text, source: "test.toml")
            Issue.record("accepted: \(text)")
        } catch {
            #expect(error.message.contains(message), "\(error.message)")
        }
    }

    /// The simulated gate with a beam pair on its emulated reader: patrons break the emulated
    /// inputs, the runner polls them, and the visitor counts come from the beam order.
    @Test func simulatedPatronsBreakTheEmulatedReadersBeams() throws {
        let db = FileManager.default.temporaryDirectory.appendingPathComponent("rfidgate-beam-\(getpid()).sqlite").path
        defer { for suffix in ["", "-wal", "-shm"] { try? FileManager.default.removeItem(atPath: db + suffix) } }
        let c = try ConfigFile.parse(
            """
            [[readers]]
            id = "gate-1"
            antennas = [1]
            alarm_outputs = [1]
            beam_inputs = [1, 2]
            beam_poll_ms = 50
            [simulation]
            population = 200
            patrons_per_minute = 120
            [cache]
            path = "\(db)"
            """)
        let runtime = try GateRuntime(config: c, logger: Logger(label: "test"))
        #expect(runtime.alarmOutputs.map(\.name).contains("gate-1 output 1"))
        runtime.start()
        var entering = 0, leaving = 0
        for _ in 0..<600 where entering == 0 || leaving == 0 {
            sleepNanos(10_000_000)
            let (e, l) = runtime.beam.take()
            entering += e; leaving += l
        }
        runtime.stop()
        #expect(entering > 0 && leaving > 0)
    }
}
