import Foundation
import Gate
import Synchronization
import TagRing
import Testing

/// An output whose every command takes `delay` (a USB relay on a slow hub, a busy reader).
final class SlowOutput: AlarmOutput, @unchecked Sendable {
    let name = "slow output"
    let delayMicros: UInt32
    private let lock = NSLock()
    private var _commands: [Bool] = []
    init(delayMicros: UInt32) { self.delayMicros = delayMicros }
    var commands: [Bool] { lock.withLock { _commands } }
    func set(active: Bool) throws {
        usleep(delayMicros)
        lock.withLock { _commands.append(active) }
    }
}

@Suite("Alarm driver thread")
struct AlarmDriverTests {
    @Test func aSlowOutputNeverHoldsTheCallerAndAlarmsAreCoalesced() async throws {
        let clock = SystemMonotonicClock()
        let slow = SlowOutput(delayMicros: 300_000)
        let driver = AlarmDriver(signal: AlarmSignal(outputs: [slow], holdNanos: 400_000_000) { _ in }, clock: clock, tickNanos: 10_000_000)
        driver.start()
        defer { driver.stop() }
        let t0 = clock.nanoseconds()
        for _ in 0..<50 { driver.alarm(at: clock.nanoseconds()) }  // a burst from one batch of events
        #expect(clock.nanoseconds() - t0 < 50_000_000, "posting alarms must not wait for the output")
        // On (at most twice: the burst may straddle one turn of the thread), then off after the hold.
        let deadline = clock.nanoseconds() + 5_000_000_000
        while slow.commands.last != false && clock.nanoseconds() < deadline { try await Task.sleep(for: .milliseconds(20)) }
        let commands = slow.commands
        #expect(commands.last == false)
        #expect((1...2).contains(commands.filter { $0 }.count), "\(commands)")
    }

    @Test func alarmsFromSeveralThreadsKeepTheLatestTime() async throws {
        let clock = ManualClock(startNanos: 1_000)
        let light = SimulatedAlarmLight()
        let signal = AlarmSignal(outputs: [light], holdNanos: 1_000_000_000) { _ in }
        let driver = AlarmDriver(signal: signal, clock: clock, tickNanos: 5_000_000)
        driver.start()
        defer { driver.stop() }
        await withTaskGroup(of: Void.self) { g in
            for i in 0..<8 { g.addTask { driver.alarm(at: UInt64(1_000 + i * 100)) } }
        }
        try await waitForTurns(driver, 2)
        #expect(light.isOn && light.activations == 1)
        clock.advance(byMillis: 1_000)  // still inside the hold of the latest alarm (1,700 ns + 1 s)
        try await waitForTurns(driver, 2)
        #expect(light.isOn)
        clock.advance(byMillis: 1)
        try await waitForTurns(driver, 2)
        #expect(!light.isOn)
    }

    /// Waits until the driver's thread has made `n` more turns (so it has seen every alarm
    /// posted and the clock as it is now); the thread turns every tick, so this is quick.
    func waitForTurns(_ driver: AlarmDriver, _ n: Int) async throws {
        let target = driver.turns + n
        let deadline = ContinuousClock.now + .seconds(30)
        while driver.turns < target {
            try #require(ContinuousClock.now < deadline, "the alarm thread stopped turning")
            try await Task.sleep(for: .milliseconds(1))
        }
    }
}
