import Foundation
import Testing

@testable import ISO28560

/// Runs the built `rfidgatectl tag decode` over every vector. The binary is looked up next to the
/// test bundle (SwiftPM puts all products in one directory); a missing binary fails the tests.
@Suite
struct TagCLITests {
    @Test(arguments: Vector.all)
    func decodePrintsTheVectorFields(_ v: Vector) throws {
        var args = ["tag", "decode"]
        switch v.standard {
        case let s where s.hasPrefix("28560-4"): args += ["--memory", v.id.contains("mb11") ? "user" : "uii"]
        case let s where s.hasPrefix("28560-2"): args += ["--dsfid", "06"]
        default: break
        }
        let (status, out, err) = try TagCLI.run(args + [hexString(v.bytes)])
        let json = try JSONDecoder().decode(JSONValue.self, from: Data(out.trimmingCharacters(in: .whitespacesAndNewlines).utf8))
        if v.expectedClassification == "crc_error" {
            #expect(status == 65)
            #expect(err.contains("byte 19: CRC mismatch"))
        } else {
            #expect(status == 0, "\(err)")
        }
        if v.expectedClassification == nil || v.expectedClassification == "crc_error" {
            for (key, expected) in v.decoded where key != "stored_crc_if_read_from_word0" {
                #expect(json[key].map { same($0, expected) } == true, "\(v.id).\(key)")
            }
        } else {
            #expect(json["format"] == .string("unknown") || json["format"] == .string("proprietary"))
        }
    }

    /// Many readers report the EPC bank's UII without its PC word: decoded as the same item.
    @Test func aBareUIIDecodesWithMemoryEPC() throws {
        let v = Vector.named("iso28560-4-mb01-example")
        let bare = hexString(Array(v.bytes.dropFirst(2)))
        let (status, out, err) = try TagCLI.run(["tag", "decode", "--memory", "epc", "--afi", "07", bare])
        #expect(status == 0, "\(err)")
        let json = try JSONDecoder().decode(JSONValue.self, from: Data(out.utf8))
        #expect(json["format"] == .string("28560-4"))
        #expect(json["uii"] == .string("CH-000134-1.12345678.31"))
        #expect(json["primary_item_identifier"] == .string("12345678"))
        #expect(json["pc"] == nil, "a derived PC word is not the tag's")
        #expect(json["security"] != nil)
        // A factory-fresh tag read whole is blank (writable), not proprietary.
        let fresh = try TagCLI.run([
            "tag", "decode", "--memory", "uii", "3000E28011606000020 9A0B1C2D3".replacingOccurrences(of: " ", with: ""),
        ])
        #expect(fresh.status == 0)
        #expect(try JSONDecoder().decode(JSONValue.self, from: Data(fresh.out.utf8))["format"] == .string("blank"))
    }

    @Test func malformedExits65WithOffsetAndReason() throws {
        let (status, out, err) = try TagCLI.run(["tag", "decode", "--dsfid", "06", "210312C45600"])
        #expect(status == 65)
        #expect(out.isEmpty)
        #expect(err.contains("byte 3: numeric compaction nibble 0xC is not a digit"))
        #expect(err.split(separator: "\n").count == 1)
    }

    @Test func encodeReadsTheDecodeJSON() throws {
        let v = Vector.named("iso28560-2-annexD-full")
        let (_, json, _) = try TagCLI.run(["tag", "decode", "--dsfid", "06", hexString(v.bytes)])
        let (status, out, _) = try TagCLI.run(["tag", "encode", "--format", "28560-2", "--block-size", "4"], stdin: json)
        #expect(status == 0)
        #expect(out.trimmingCharacters(in: .whitespacesAndNewlines) == hexString(v.bytes))
    }
}

enum TagCLI {
    static let binary: URL? = {
        // The test process is the .xctest bundle (Linux: an executable file) in the products directory.
        let exe = URL(fileURLWithPath: CommandLine.arguments[0]).resolvingSymlinksInPath()
        var dir = exe.deletingLastPathComponent()
        if dir.pathExtension == "xctest" || dir.path.contains(".xctest/") {  // macOS: …/X.xctest/Contents/MacOS/X
            while dir.pathExtension != "xctest" && dir.path != "/" { dir = dir.deletingLastPathComponent() }
            dir = dir.deletingLastPathComponent()
        }
        for d in [dir, Bundle.main.bundleURL.deletingLastPathComponent()] {
            let url = d.appendingPathComponent("rfidgatectl")
            if FileManager.default.isExecutableFile(atPath: url.path) { return url }
        }
        return nil
    }()

    static func run(_ args: [String], stdin: String = "") throws -> (status: Int32, out: String, err: String) {
        guard let binary else {
            throw CocoaError(.fileNoSuchFile, userInfo: [NSFilePathErrorKey: "rfidgatectl next to the test bundle (swift build)"])
        }
        let p = Process()
        p.executableURL = binary
        p.arguments = args
        let inPipe = Pipe(), outPipe = Pipe(), errPipe = Pipe()
        p.standardInput = inPipe
        p.standardOutput = outPipe
        p.standardError = errPipe
        try p.run()
        inPipe.fileHandleForWriting.write(Data(stdin.utf8))
        try inPipe.fileHandleForWriting.close()
        let out = outPipe.fileHandleForReading.readDataToEndOfFile()
        let err = errPipe.fileHandleForReading.readDataToEndOfFile()
        p.waitUntilExit()
        return (p.terminationStatus, String(decoding: out, as: UTF8.self), String(decoding: err, as: UTF8.self))
    }
}
