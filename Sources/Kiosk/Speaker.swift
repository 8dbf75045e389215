import Foundation
import KioskCore
import Logging
import Synchronization

/// Speaks the kiosk's prompts through `espeak-ng` (Debian's package), one utterance at a time.
///
/// `say` never blocks and never throws: it starts the child at once when nothing is speaking,
/// or queues the utterance, replacing one already queued (the newest prompt is the one that
/// matters; a stale "please wait" is dropped). At most one child runs. Each child gets its
/// argv directly (no shell), a minimal environment, the text on stdin (`--stdin`, UTF-8, never
/// `-m`: no SSML or markup is interpreted), and is killed after `timeoutSeconds`. Failures are
/// logged. With `wavDirectory` set, each utterance is written to a WAV file there instead of
/// the sound card (`-w`; tests, or boxes that play through another tool): written under a
/// `.partial` name and renamed to `prompt-NNNNNN-<lang>.wav` once espeak-ng exits cleanly.
public final class Speaker: Speaking, Sendable {
    public struct Configuration: Sendable, Equatable {
        public var executable: String
        /// Write WAV files here instead of playing (nil: play).
        public var wavDirectory: String?
        public var timeoutSeconds: Double
        /// Words per minute (espeak-ng's -s); nil: its default (175).
        public var wordsPerMinute: Int?

        public init(
            executable: String = "/usr/bin/espeak-ng", wavDirectory: String? = nil, timeoutSeconds: Double = 20,
            wordsPerMinute: Int? = nil
        ) {
            self.executable = executable
            self.wavDirectory = wavDirectory
            self.timeoutSeconds = timeoutSeconds
            self.wordsPerMinute = wordsPerMinute
        }
    }

    struct Utterance: Sendable {
        var text: String
        var language: KioskLanguage
    }

    struct State: ~Copyable {
        /// A child runs (or is being started) for utterance `sequence`.
        var active = false
        var queued: Utterance?
        var sequence = 0
        var spoken = 0
        var failed = 0
    }

    public let configuration: Configuration
    private let logger: Logger
    private let state = Mutex(State())
    /// Starts children off the caller's thread (spawning takes milliseconds).
    private let queue = DispatchQueue(label: "rfidgate.kiosk.speaker")
    /// Longest text handed to espeak-ng, in UTF-8 bytes: it must fit a pipe's buffer (64 KiB).
    static let maxTextBytes = 4000

    public init(configuration: Configuration = Configuration(), logger: Logger = Logger(label: "rfidgate.kiosk.speaker")) {
        self.configuration = configuration
        self.logger = logger
        // espeak-ng exits 0 without writing when the WAV file's directory is missing.
        if let dir = configuration.wavDirectory {
            do {
                try FileManager.default.createDirectory(
                    atPath: dir, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o750])
            } catch {
                logger.error("speaker: cannot create \(dir) for the spoken prompts: \(error)")
            }
        }
    }

    /// Says a prompt in `language`.
    public func say(_ prompt: SpokenPrompt, language: KioskLanguage) {
        say(prompt.text(language), language: language)
    }

    /// Says `text` (plain words; control characters become spaces; cut at 4000 bytes).
    public func say(_ text: String, language: KioskLanguage) {
        var clean = String(
            String.UnicodeScalarView(text.unicodeScalars.map { $0.value < 0x20 || (0x7F...0x9F).contains($0.value) ? " " : $0 }))
        while clean.utf8.count > Self.maxTextBytes { clean.unicodeScalars.removeLast() }
        let next = Utterance(text: clean, language: language)
        let start: (Utterance, Int)? = state.withLock { s in
            if s.active {
                if s.queued != nil { logger.debug("speaker: a newer prompt replaces the queued one") }
                s.queued = next
                return nil
            }
            s.active = true
            s.sequence += 1
            return (next, s.sequence)
        }
        if let (u, n) = start { queue.async { self.launch(u, n) } }
    }

    /// Counts so far: utterances finished cleanly, and failed (could not start, non-zero exit,
    /// killed by the timeout).
    public var counts: (spoken: Int, failed: Int) { state.withLock { ($0.spoken, $0.failed) } }

    /// Whether a child is speaking or an utterance is queued.
    public var isBusy: Bool { state.withLock { $0.active || $0.queued != nil } }

    /// The argv of one utterance (after the executable): voice, UTF-8 input, text on stdin.
    static func arguments(_ language: KioskLanguage, wav: String?, wordsPerMinute: Int?) -> [String] {
        var args = ["-v", language.voice, "-b", "1"]
        if let wordsPerMinute { args += ["-s", String(wordsPerMinute)] }
        if let wav { args += ["-w", wav] }
        args.append("--stdin")
        return args
    }

    private func wavPaths(_ n: Int, _ language: KioskLanguage) -> (partial: String, final: String)? {
        guard let dir = configuration.wavDirectory else { return nil }
        let name = "prompt-" + String(repeating: "0", count: max(0, 6 - String(n).count)) + String(n) + "-" + language.rawValue
        return (dir + "/" + name + ".wav.partial", dir + "/" + name + ".wav")
    }

    private func launch(_ u: Utterance, _ n: Int) {
        let wav = wavPaths(n, u.language)
        let p = Process()
        p.executableURL = URL(fileURLWithPath: configuration.executable)
        p.arguments = Self.arguments(u.language, wav: wav?.partial, wordsPerMinute: configuration.wordsPerMinute)
        // Minimal: only what finds the sound server (a user session's PulseAudio/PipeWire).
        var env = ["PATH": "/usr/bin:/bin", "LANG": "C.UTF-8", "LC_ALL": "C.UTF-8"]
        let inherited = ProcessInfo.processInfo.environment
        for key in ["XDG_RUNTIME_DIR", "PULSE_SERVER", "ALSA_CARD"] { if let v = inherited[key] { env[key] = v } }
        p.environment = env
        p.currentDirectoryURL = URL(fileURLWithPath: "/")
        // The text goes into the pipe before the child starts and the write end is closed: it
        // fits the pipe's buffer, and a child that dies early can never SIGPIPE this process.
        let stdin = Pipe()
        do {
            try stdin.fileHandleForWriting.write(contentsOf: Data(u.text.utf8))
            try stdin.fileHandleForWriting.close()
        } catch {
            logger.error("speaker: cannot pass the text to espeak-ng: \(error)")
            finished(ok: false, how: "not started", u, wav: nil, stderr: "")
            return
        }
        let stderr = Pipe()
        p.standardInput = stdin
        p.standardOutput = FileHandle.nullDevice
        p.standardError = stderr
        p.terminationHandler = { [self] proc in
            let err = (try? stderr.fileHandleForReading.readToEnd()).map { String(decoding: $0.prefix(2000), as: UTF8.self) } ?? ""
            try? stderr.fileHandleForReading.close()
            let ok = proc.terminationReason == .exit && proc.terminationStatus == 0
            let how = proc.terminationReason == .exit ? "exited \(proc.terminationStatus)" : "killed by signal \(proc.terminationStatus)"
            finished(ok: ok, how: how, u, wav: wav, stderr: err)
        }
        do {
            try p.run()
        } catch {
            logger.error("speaker: cannot start \(configuration.executable): \(error) (install espeak-ng: ./scripts/setup.sh)")
            finished(ok: false, how: "not started", u, wav: nil, stderr: "")
            return
        }
        let timeout = configuration.timeoutSeconds
        let pid = p.processIdentifier
        DispatchQueue.global().asyncAfter(deadline: .now() + timeout) { [self] in
            // Still the same child (not yet reaped, so its pid cannot have been reused).
            let stillRunning = state.withLock { $0.active && $0.sequence == n }
            guard stillRunning else { return }
            logger.warning("speaker: espeak-ng still running after \(timeout) s: killed")
            kill(pid, SIGKILL)
        }
    }

    private func finished(ok: Bool, how: String, _ u: Utterance, wav: (partial: String, final: String)?, stderr: String) {
        if ok {
            if let wav {
                do {
                    try? FileManager.default.removeItem(atPath: wav.final)
                    try FileManager.default.moveItem(atPath: wav.partial, toPath: wav.final)
                } catch {
                    logger.error("speaker: cannot move \(wav.partial) to \(wav.final): \(error)")
                }
            }
        } else {
            if let wav { try? FileManager.default.removeItem(atPath: wav.partial) }
            logger.error("speaker: espeak-ng (\(u.language.voice)) \(how): \(stderr.trimmingCharacters(in: .whitespacesAndNewlines))")
        }
        // The queued utterance (if any) takes over in the same step, so no `say` slips between.
        let start: (Utterance, Int)? = state.withLock { s in
            if ok { s.spoken += 1 } else { s.failed += 1 }
            guard let q = s.queued else {
                s.active = false
                return nil
            }
            s.queued = nil
            s.sequence += 1
            return (q, s.sequence)
        }
        if let (u, n) = start { queue.async { self.launch(u, n) } }
    }
}
