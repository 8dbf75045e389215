import Foundation
import RFIDGateConfig
import Testing

/// Where the ILS password comes from: its own file, then systemd's credential, then inline.
@Suite struct SecretsTests {
    static func tempDir() throws -> URL {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("rfidgate-secrets-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        return dir
    }

    @Test func passwordFileWinsOverCredentialWinsOverInline() throws {
        let dir = try Self.tempDir()
        defer { try? FileManager.default.removeItem(at: dir) }
        let file = dir.appendingPathComponent("pw").path
        try "from-file\n".write(toFile: file, atomically: true, encoding: .utf8)
        let creds = dir.appendingPathComponent("creds")
        try FileManager.default.createDirectory(at: creds, withIntermediateDirectories: true)
        try "from-credential".write(to: creds.appendingPathComponent("sip2-password"), atomically: true, encoding: .utf8)
        try "terminal-secret\r\n".write(to: creds.appendingPathComponent("sip2-terminal-password"), atomically: true, encoding: .utf8)
        let env = ["CREDENTIALS_DIRECTORY": creds.path]

        let withFile = try ConfigFile.parse("[sip2]\nserver = \"h:1\"\npassword_file = \"\(file)\"\n").sip2
        #expect(try withFile.resolvingSecrets(environment: env, configPath: nil, warn: { _ in }).password == "from-file")

        let inline = try ConfigFile.parse("[sip2]\nserver = \"h:1\"\npassword = \"inline\"\n").sip2
        let resolved = try inline.resolvingSecrets(environment: env, configPath: nil, warn: { _ in })
        #expect(resolved.password == "from-credential")
        #expect(resolved.terminalPassword == "terminal-secret")
        #expect(try inline.resolvingSecrets(environment: [:], configPath: nil, warn: { _ in }).password == "inline")

        // The unit's default for a credential nobody installed: one line break, read as none.
        try "\n".write(to: creds.appendingPathComponent("sip2-password"), atomically: true, encoding: .utf8)
        #expect(try inline.resolvingSecrets(environment: env, configPath: nil, warn: { _ in }).password == "inline")
    }

    @Test func bothInlineAndFileIsRefused() {
        #expect(throws: ConfigError.self) {
            try ConfigFile.parse("[sip2]\npassword = \"x\"\npassword_file = \"/etc/rfidgate/sip2-password\"\n")
        }
    }

    @Test func anInlinePasswordOthersCanReadIsWarnedAboutWithoutShowingIt() throws {
        let dir = try Self.tempDir()
        defer { try? FileManager.default.removeItem(at: dir) }
        let config = dir.appendingPathComponent("rfidgate.toml").path
        let text = "[sip2]\nserver = \"h:1\"\npassword = \"Sup3r-S3cret\"\n"
        try text.write(toFile: config, atomically: true, encoding: .utf8)
        let settings = try ConfigFile.parse(text, source: config).sip2
        var warnings: [String] = []
        chmod(config, 0o644)
        _ = try settings.resolvingSecrets(environment: [:], configPath: config, warn: { warnings.append($0) })
        #expect(warnings.count == 1 && warnings[0].contains("every user can read it"))
        #expect(!warnings[0].contains("Sup3r-S3cret"))
        warnings = []
        chmod(config, 0o640)
        _ = try settings.resolvingSecrets(environment: [:], configPath: config, warn: { warnings.append($0) })
        #expect(warnings.isEmpty)
    }

    @Test func anEmptyPasswordFileIsAClearError() throws {
        let dir = try Self.tempDir()
        defer { try? FileManager.default.removeItem(at: dir) }
        let file = dir.appendingPathComponent("pw").path
        FileManager.default.createFile(atPath: file, contents: Data())
        let s = try ConfigFile.parse("[sip2]\npassword_file = \"\(file)\"\n").sip2
        #expect(throws: ConfigError.self) { try s.resolvingSecrets(environment: [:], configPath: nil, warn: { _ in }) }
    }
}
