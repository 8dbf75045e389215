import Foundation
import Gate
import Testing

@Suite("Alarm outputs")
struct AlarmOutputTests {
    @Test func heldForTheHoldTimeAfterTheLastAlarmAndRetriedWhenFailing() {
        let light = SimulatedAlarmLight()
        var logs: [String] = []
        let signal = AlarmSignal(outputs: [light], holdNanos: 3_000_000_000) { logs.append($0) }
        signal.alarm(now: 0)
        #expect(light.isOn && light.activations == 1)
        signal.tick(now: 2_000_000_000)
        signal.alarm(now: 2_000_000_000)  // a second alarm extends the hold, no new activation
        signal.tick(now: 4_500_000_000)
        #expect(light.isOn && light.activations == 1)
        signal.tick(now: 5_000_000_000)
        #expect(!light.isOn)
        // The device fails twice: logged, retried with backoff, then on.
        light.failNext = 2
        signal.alarm(now: 10_000_000_000)
        #expect(!light.isOn)
        signal.tick(now: 10_050_000_000)  // before the 100 ms backoff: no attempt
        #expect(light.failNext == 1)
        signal.tick(now: 10_100_000_000)  // second failure, backoff 200 ms
        signal.tick(now: 10_300_000_000)
        #expect(light.isOn)
        #expect(logs.contains { $0.contains("failed to switch on") })
        #expect(logs.contains { $0.contains("works again") })
    }

    @Test func alarmCommandGetsTheAlarmAndIsRetriedWhenItFails() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("rfidgate-cmd-\(getpid())")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let out = dir.appendingPathComponent("out").path
        var logs: [String] = []
        // Fails on its first run (no marker yet), succeeds on the retry.
        let cmd = AlarmCommand(
            command: "echo \"$RFIDGATE_ITEM $RFIDGATE_REASON\" >> \(out); test -e \(out).seen || { touch \(out).seen; exit 3; }"
        ) { logs.append($0) }
        cmd.run(environment: [("RFIDGATE_ITEM", "39010000000524"), ("RFIDGATE_REASON", "secured")], now: 0)
        var now: UInt64 = 0
        let deadline = Date().addingTimeInterval(30)  // generous: a loaded box starts shells slowly
        while cmd.running > 0 && Date() < deadline {
            Thread.sleep(forTimeInterval: 0.01)
            now += 1_000_000  // the command's clock: far from its 10 s timeout however slow the box
            cmd.poll(now: now)
        }
        #expect(cmd.running == 0)
        #expect(cmd.succeeded == 1)
        #expect(logs.contains { $0.contains("exit status 3") })
        let text = try String(contentsOfFile: out, encoding: .utf8)
        #expect(text == "39010000000524 secured\n39010000000524 secured\n")
    }
}
