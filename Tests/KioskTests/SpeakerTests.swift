import Foundation
import KioskCore
import Testing

@testable import Kiosk

/// The speaker on the real espeak-ng, writing WAV files: the files are parsed and their
/// samples measured, so a silent or truncated utterance fails.
@Suite("speech through espeak-ng", .serialized)
struct SpeakerTests {
    static let espeak = "/usr/bin/espeak-ng"

    struct WAV {
        var sampleRate: Int
        var channels: Int
        var bitsPerSample: Int
        var samples: [Int16]
        var seconds: Double { Double(samples.count) / Double(sampleRate * channels) }
        var rms: Double {
            guard !samples.isEmpty else { return 0 }
            return (samples.reduce(0.0) { $0 + Double($1) * Double($1) } / Double(samples.count)).squareRoot()
        }

        /// RIFF/WAVE, PCM 16-bit: the `fmt ` and `data` chunks (a data size past the end of the
        /// file, as streaming writers leave it, means "to the end").
        init?(_ d: [UInt8]) {
            func u32(_ o: Int) -> Int { Int(d[o]) | Int(d[o + 1]) << 8 | Int(d[o + 2]) << 16 | Int(d[o + 3]) << 24 }
            func u16(_ o: Int) -> Int { Int(d[o]) | Int(d[o + 1]) << 8 }
            guard d.count >= 44, d[0..<4] == [0x52, 0x49, 0x46, 0x46], d[8..<12] == [0x57, 0x41, 0x56, 0x45] else { return nil }
            var o = 12
            var fmt: (rate: Int, channels: Int, bits: Int, format: Int)?
            while o + 8 <= d.count {
                let id = String(decoding: d[o..<o + 4], as: UTF8.self)
                let size = u32(o + 4)
                let body = o + 8
                if id == "fmt " && body + 16 <= d.count {
                    fmt = (u32(body + 4), u16(body + 2), u16(body + 14), u16(body))
                } else if id == "data", let f = fmt {
                    guard f.format == 1, f.bits == 16 else { return nil }
                    let end = min(d.count, body + size)
                    var s: [Int16] = []
                    s.reserveCapacity((end - body) / 2)
                    var i = body
                    while i + 1 < end { s.append(Int16(bitPattern: UInt16(d[i]) | UInt16(d[i + 1]) << 8)); i += 2 }
                    sampleRate = f.rate
                    channels = f.channels
                    bitsPerSample = f.bits
                    samples = s
                    return
                }
                o = body + size + (size & 1)
            }
            return nil
        }
    }

    /// Polls for `path` until `deadline` (the speaker renames a finished file into place).
    static func waitForFile(_ path: String, seconds: Double) -> [UInt8]? {
        let end = Date().addingTimeInterval(seconds)
        while Date() < end {
            if let d = FileManager.default.contents(atPath: path) { return Array(d) }
            usleep(20_000)
        }
        return nil
    }

    static func tempDir() throws -> String {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("speaker-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        return dir
    }

    static func requireEspeak() throws {
        try #require(
            FileManager.default.isExecutableFile(atPath: espeak),
            "\(espeak) is missing: install the test tools with ./scripts/setup.sh --tests (Debian package espeak-ng)")
    }

    @Test(arguments: [
        (KioskLanguage.zh, SpokenPrompt.checkingOut(3)),
        (KioskLanguage.en, SpokenPrompt.done(count: 2, mode: .checkout)),
    ])
    func aPromptBecomesAudibleSpeech(language: KioskLanguage, prompt: SpokenPrompt) throws {
        try Self.requireEspeak()
        let dir = try Self.tempDir()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let speaker = Speaker(configuration: .init(executable: Self.espeak, wavDirectory: dir, timeoutSeconds: 20))
        let started = Date()
        speaker.say(prompt, language: language)
        #expect(Date().timeIntervalSince(started) < 1, "say blocked its caller")
        let path = "\(dir)/prompt-000001-\(language.rawValue).wav"
        let bytes = try #require(Self.waitForFile(path, seconds: 30), "no \(path) within 30 s; counts \(speaker.counts)")
        let wav = try #require(WAV(bytes), "not a 16-bit PCM WAV file (\(bytes.count) bytes)")
        #expect(wav.channels == 1 && wav.sampleRate >= 8000)
        // A short sentence: about one to eight seconds of speech, clearly not silence.
        #expect(wav.seconds > 0.8 && wav.seconds < 8, "\(wav.seconds) s")
        #expect(wav.rms > 300, "RMS \(wav.rms): silent")
        #expect(speaker.counts.failed == 0)
    }

    @Test func aNewPromptReplacesTheQueuedOneAndOnlyOneChildRuns() throws {
        try Self.requireEspeak()
        let dir = try Self.tempDir()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let speaker = Speaker(configuration: .init(executable: Self.espeak, wavDirectory: dir))
        speaker.say(.welcome, language: .en)  // starts at once: utterance 1
        speaker.say(.askPIN, language: .en)  // queued
        speaker.say(.goodbye, language: .zh)  // replaces the queued one: utterance 2
        let second = try #require(Self.waitForFile("\(dir)/prompt-000002-zh.wav", seconds: 30))
        #expect(WAV(second).map { $0.seconds > 0.3 } == true)
        #expect(FileManager.default.fileExists(atPath: "\(dir)/prompt-000001-en.wav"))
        // Nothing else was spoken: the replaced prompt never ran.
        let end = Date().addingTimeInterval(10)
        while speaker.isBusy && Date() < end { usleep(20_000) }
        let files = try FileManager.default.contentsOfDirectory(atPath: dir).sorted()
        #expect(files == ["prompt-000001-en.wav", "prompt-000002-zh.wav"])
        #expect(speaker.counts.spoken == 2 && speaker.counts.failed == 0)
    }

    @Test func aMissingProgramIsLoggedNotThrown() throws {
        let speaker = Speaker(configuration: .init(executable: "/nonexistent/espeak-ng"))
        speaker.say(.welcome, language: .zh)
        let end = Date().addingTimeInterval(5)
        while speaker.counts.failed == 0 && Date() < end { usleep(10_000) }
        #expect(speaker.counts.failed == 1 && !speaker.isBusy)
    }

    @Test func theTextIsNeverMarkupAndArgvHasNoShell() {
        let args = Speaker.arguments(.zh, wav: "/tmp/x.wav", wordsPerMinute: nil)
        #expect(args == ["-v", "cmn", "-b", "1", "-w", "/tmp/x.wav", "--stdin"])
        #expect(!args.contains("-m"))
    }
}
