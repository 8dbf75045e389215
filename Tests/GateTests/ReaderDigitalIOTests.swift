import Gate
import ReaderEmulators
import ReaderHub
import Readers
import Synchronization
import TagRing
import Testing
import Threads

/// Counts the emulator's input reads and serves the mask a test sets (the beam a test breaks).
final class BeamBox: @unchecked Sendable {
    private let lock = Mutex(())
    private var mask: UInt8 = 0
    private var reads = 0
    func set(_ m: UInt8) { lock.withLock { _ in mask = m } }
    func read() -> UInt8 {
        lock.withLock { _ in
            reads += 1; return mask
        }
    }
    var readCount: Int { lock.withLock { _ in reads } }
}

/// Reader outputs and inputs through the real ReaderRunner, FEIG driver and emulator (in-memory
/// wire paced by the HF air-time model): alarms switch the reader's outputs from another thread,
/// the beam inputs become visitor counts, and a failing reader refuses at once.
@Suite("Reader digital I/O through the runner", .serialized)
struct ReaderDigitalIOTests {
    let clock = SystemMonotonicClock()

    func runner(
        _ emulator: FeigEmulator, faults: WireFaults = WireFaults(), beam: (BeamSettings, VisitorBeam)? = nil, log: RunnerLog = RunnerLog()
    ) -> ReaderRunner {
        let transport = EmulatorTransport(label: "emu", emulator: emulator, clock: clock, realTime: true, faults: faults)
        let reader = FeigReader(
            transport: transport, clock: clock, options: .init(readerID: 0, antennas: [1], responseTimeoutNanos: 100_000_000))
        return ReaderRunner(
            name: "gate-1", reader: reader, ring: TagRing(capacity: 1024), doorbell: Doorbell(), cyclePeriodNanos: 2_000_000,
            maxBackoffNanos: 200_000_000, beam: beam.map { (settings: $0.0, counter: $0.1) },
            onError: { name, error in log.lock.withLock { _ in log.errors.append("\(name): \(error)") } })
    }

    func field() -> StaticTagField {
        let f = StaticTagField()
        f.place(hotplugTag(1))
        return f
    }

    @Test func alarmSwitchesTheReadersOutputsForTheHoldTimeAndOff() throws {
        let emulator = FeigEmulator(field: field())
        let r = runner(emulator)
        r.start(clock: clock)
        defer { r.stop() }
        try waitFor(3, "reading") { r.cycles > 1 }

        let output = ReaderOutputAlarm(readerName: "gate-1", outputs: [1, 2], commands: r.commands, pulseMillis: 3000)
        #expect(output.name == "gate-1 outputs 1,2")
        var logs: [String] = []
        let signal = AlarmSignal(outputs: [output], holdNanos: 3_000_000_000) { logs.append($0) }
        let t0 = clock.nanoseconds()
        signal.alarm(now: t0)
        let now = clock.nanoseconds()
        for n: UInt8 in [1, 2] {
            #expect(emulator.outputIsOn(n, atNanos: now))
            // The reader was told to end the pulse itself after the hold time.
            let until = try #require(emulator.outputs[n])
            #expect(until >= t0 + 2_900_000_000 && until <= now + 3_000_000_000)
        }
        #expect(!emulator.outputIsOn(3, atNanos: now))

        // A second alarm later restarts the reader's pulse (it would end 3 s after the first).
        let firstUntil = try #require(emulator.outputs[1])
        sleepNanos(20_000_000)
        signal.alarm(now: clock.nanoseconds())
        #expect(try #require(emulator.outputs[1]) > firstUntil)

        // After the hold time the signal switches them off (long before the pulse would end).
        signal.tick(now: clock.nanoseconds() + 3_100_000_000)
        #expect(!signal.isActive)
        #expect(!emulator.outputIsOn(1, atNanos: clock.nanoseconds()))
        #expect(!emulator.outputIsOn(2, atNanos: clock.nanoseconds()))
        #expect(logs.isEmpty, "\(logs)")
        #expect(r.cycles > 2)  // the inventory went on around the commands
    }

    @Test func beamInputsBecomeVisitorCounts() throws {
        let emulator = FeigEmulator(field: field())
        let box = BeamBox()
        emulator.inputSource = { _ in box.read() }
        let visitors = VisitorBeam()
        let r = runner(emulator, beam: (BeamSettings(inputs: [1, 2], pollNanos: 20_000_000), visitors))
        r.start(clock: clock)
        defer { r.stop() }
        /// Sets the inputs and waits until the runner has read them at least once.
        func step(_ mask: UInt8) throws {
            box.set(mask)
            let seen = box.readCount
            try waitFor(3, "inputs polled") { box.readCount >= seen + 2 }
        }
        try waitFor(3, "reading") { r.cycles > 1 }
        for m: UInt8 in [0b01, 0b11, 0b10, 0b00] { try step(m) }  // A then B: leaving
        for m: UInt8 in [0b10, 0b11, 0b01, 0b00] { try step(m) }  // B then A: entering
        for m: UInt8 in [0b10, 0b11, 0b10, 0b00] { try step(m) }  // stepped in, turned back
        for m: UInt8 in [0b01, 0b11, 0b10, 0b00] { try step(m) }  // leaving again
        let counts = visitors.take()
        #expect(counts.leaving == 2 && counts.entering == 1)
    }

    @Test func settingTheEmulatorsInputMaskIsSeenByTheRunner() throws {
        let emulator = FeigEmulator(field: field())
        let visitors = VisitorBeam()
        let r = runner(emulator, beam: (BeamSettings(inputs: [1], pollNanos: 20_000_000, direction: .entering), visitors))
        r.start(clock: clock)
        defer { r.stop() }
        try waitFor(3, "reading") { r.cycles > 1 }
        // Each person stays in the beam until the runner has polled it twice (not for a fixed
        // time: a loaded machine polls late), and is gone for two polls before the next.
        let polls = PollCounter(emulator)
        for _ in 0..<3 {
            emulator.inputMask = 0b1
            try polls.waitForMore(2)
            emulator.inputMask = 0
            try polls.waitForMore(2)
        }
        var entering = 0
        try waitFor(10, "three visitors") {
            entering += visitors.take().entering; return entering >= 3
        }
        try polls.waitForMore(3)  // and no fourth one appears later
        #expect(entering + visitors.take().entering == 3)
    }

    @Test func aReaderWithoutInputsIsLoggedOnceAndKeepsReading() throws {
        let emulator = FeigEmulator(field: field())
        emulator.hasInputs = false
        let log = RunnerLog()
        let r = runner(emulator, beam: (BeamSettings(inputs: [1, 2], pollNanos: 20_000_000), VisitorBeam()), log: log)
        r.start(clock: clock)
        defer { r.stop() }
        try waitFor(3, "reading on") { r.cycles > 20 }
        #expect(r.state == .reading)
        let errors = log.lock.withLock { _ in log.errors }
        #expect(errors.count == 1 && errors[0].contains("Get Input (beam_inputs)"), "\(errors)")
    }

    @Test func aFailingReaderRefusesOutputCommandsAtOnceAndTheSignalRetries() throws {
        let emulator = FeigEmulator(field: field())
        let log = RunnerLog()
        let r = runner(emulator, faults: WireFaults(disconnectAfter: 1), log: log)
        r.start(clock: clock)
        defer { r.stop() }
        try waitFor(3, "failing") { r.state == .failing }
        #expect(!r.commands.isOpen)

        let output = ReaderOutputAlarm(readerName: "gate-1", outputs: [1], commands: r.commands, pulseMillis: 3000)
        let light = SimulatedAlarmLight()
        var logs: [String] = []
        let signal = AlarmSignal(outputs: [output, light], holdNanos: 3_000_000_000) { logs.append($0) }
        let before = monotonicNanos()
        signal.alarm(now: 0)
        // No wait for the reader's thread (asleep in its backoff): refused, not timed out.
        #expect(monotonicNanos() - before < ReaderOutputAlarm.defaultTimeoutNanos / 2)
        #expect(light.isOn)  // the other outputs are not held up
        #expect(logs.count == 1 && logs[0].contains("gate-1 output 1 failed to switch on"))
        #expect(logs[0].contains("cannot take commands now"))
        #expect(throws: ReaderCommandError.self) { try output.set(active: true) }
        // Retried after the backoff; still failing, still fast.
        signal.tick(now: 100_000_000)
        #expect(monotonicNanos() - before < ReaderOutputAlarm.defaultTimeoutNanos)
        #expect(!emulator.outputIsOn(1, atNanos: clock.nanoseconds()))
    }

    @Test func aCommandNobodyRunsTimesOutAndIsWithdrawn() {
        let commands = ReaderCommands(readerName: "busy")
        let ran = BeamBox()
        let before = monotonicNanos()
        #expect(throws: ReaderCommandError.timedOut(reader: "busy", millis: 50)) {
            try commands.run(timeoutNanos: 50_000_000) { _ throws(ReaderError) in _ = ran.read() }
        }
        #expect(monotonicNanos() - before >= 50_000_000)
        // The reader thread comes back later: the withdrawn command does not run late.
        let reader = FeigReader(
            transport: EmulatorTransport(label: "x", emulator: FeigEmulator(field: StaticTagField()), clock: clock, realTime: false),
            clock: clock, options: .init(readerID: 0))
        commands.drain(reader)
        #expect(ran.readCount == 0)
    }
}

/// Counts the runner's Get Input requests to an emulator by the requests' effect: the emulator
/// serves `inputMask` through this source and counts each call.
final class PollCounter: @unchecked Sendable {
    private let box = BeamBox()
    private weak var emulator: FeigEmulator?

    init(_ emulator: FeigEmulator) {
        self.emulator = emulator
        let box = self.box
        emulator.inputSource = { [weak emulator] _ in
            _ = box.read()
            return emulator?.inputMask ?? 0
        }
    }

    /// Waits until the runner has read the inputs `n` more times.
    func waitForMore(_ n: Int) throws {
        let target = box.readCount + n
        try waitFor(10, "\(n) more input polls") { box.readCount >= target }
    }
}
