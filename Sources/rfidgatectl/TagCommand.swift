import ArgumentParser
import ControlProtocol
import Foundation
import ISO28560

/// `rfidgatectl tag decode|encode`: ISO 28560 tag data from and to hex.
/// Registered in RFIDGateCtl.swift.
struct TagCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "tag",
        abstract: "Decode or encode ISO 28560 library tag data (parts 2, 3, 4; GB/T 35660).",
        subcommands: [Decode.self, Encode.self])

    /// EX_DATAERR from sysexits.h: the input data was malformed.
    static let dataError = ExitCode(65)

    static func fail(_ message: String) -> ExitCode {
        FileHandle.standardError.write(Data("rfidgatectl tag: \(message)\n".utf8))
        return dataError
    }

    struct Decode: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Decode tag memory (hex) and print one JSON object.",
            discussion: """
                Prints {"format": "28560-2" | "28560-3" | "28560-4" | "blank" | "proprietary" | "unknown", …elements} \
                with the element names of the shared vector file. Malformed data exits with status 65 and a \
                one-line error (byte offset and reason) on stderr; an ISO 28560-3 CRC mismatch also prints \
                the decoded fields (crc_ok false) on stdout.
                """)

        enum Memory: String, ExpressibleByArgument, CaseIterable {
            /// HF user memory from block 0.
            case hf
            /// UHF MB01 from the PC word (word 1) on.
            case uii
            /// UHF: the UII words alone, without the PC word, as many readers report "the EPC".
            case epc
            /// UHF MB11: DSFID 0x06 then ISO 28560-2 data sets.
            case user
        }

        @Option(
            help:
                "Which memory the hex is: hf (HF user memory from block 0), uii (UHF MB01 from the PC word), epc (UHF UII words without the PC word, as readers report the EPC; --afi gives the security state), user (UHF MB11)."
        )
        var memory: Memory = .hf

        @Option(help: "HF DSFID as read from the tag (06 marks ISO 28560-2). Omit to detect from the content.")
        var dsfid: String?

        @Option(help: "AFI (hex) to report a security state for (HF; UHF takes it from the PC word).")
        var afi: String?

        @Option(help: "AFI profile: \(AFIProfile.names.joined(separator: ", ")).")
        var profile: String = "iso28560"

        @Flag(help: "With --memory uii: the hex starts at word 0 (StoredCRC) instead of the PC word.")
        var withStoredCRC = false

        @Option(help: "With --memory uii: the tag's user memory (MB11) as hex, merged into the elements.")
        var userMemory: String?

        @Argument(help: "Tag memory as hex (may be split into several arguments; ':' and '-' between bytes allowed).")
        var hex: [String]

        func run() throws {
            guard let bytes = parseHex(hex.joined()) else { throw ValidationError("not hex: \(hex.joined(separator: " "))") }
            guard let afiProfile = AFIProfile(name: profile) else { throw ValidationError("unknown AFI profile \(profile)") }
            var afiByte: UInt8? = nil
            if let afi {
                guard let b = UInt8(afi, radix: 16) else { throw ValidationError("--afi needs one hex byte") }
                afiByte = b
            }
            var dsfidByte: UInt8 = 0
            if let dsfid {
                guard let b = UInt8(dsfid, radix: 16) else { throw ValidationError("--dsfid needs one hex byte") }
                dsfidByte = b
            }
            var user: [UInt8]? = nil
            if let userMemory {
                guard let u = parseHex(userMemory) else { throw ValidationError("--user-memory is not hex") }
                user = u
            }
            let tag: DecodedTag
            do {
                switch memory {
                case .hf: tag = try TagDecoder.decodeHF(bytes, dsfid: dsfidByte)
                case .uii:
                    tag = try TagDecoder.decodeUHF(uii: bytes, userMemory: user, includesStoredCRC: withStoredCRC)
                case .epc:
                    tag = try TagDecoder.decodeBareUII(bytes, userMemory: user, afi: afiByte)
                case .user: tag = try TagDecoder.decodeUserMemory(bytes)
                }
            } catch {
                throw TagCommand.fail(error.description)
            }
            var fields = tag.jsonFields()
            // A bare UII has no PC word: its security state needs --afi.
            let tagAFI = tag.part4?.pcDerived == true ? nil : tag.part4?.pc.afi
            if let afi = afiByte ?? tagAFI, tag.format != .blank {
                fields.append(("security", .string(afiProfile.state(afi: afi).description)))
            }
            print(try JSONWire.encode(JSONValue.object(fields)))
            if let error = tag.error { throw TagCommand.fail(error.description) }
        }
    }

    struct Encode: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Read the decode JSON on stdin and print the tag memory as hex.",
            discussion: """
                28560-2: HF user memory from block 0, padded to whole blocks, PII and owner in locked-aligned blocks. \
                28560-3: basic block and extension blocks. 28560-4: the UII memory from the PC word on; when elements \
                remain for user memory, a second line holds MB11 (DSFID 06 first).
                """)

        enum Format: String, ExpressibleByArgument, CaseIterable {
            case part2 = "28560-2"
            case part3 = "28560-3"
            case part4 = "28560-4"
        }

        @Option(help: "Tag data format: 28560-2, 28560-3 or 28560-4.")
        var format: Format

        @Option(help: "28560-2: block size in bytes (4 or 8 on ISO 15693 tags).")
        var blockSize: Int = 4

        @Option(help: "28560-4: AFI for the PC word (hex; C2 checked out / library, 07 secured).")
        var afi: String = "C2"

        @Flag(help: "28560-3: write the 32-byte basic block (no extension blocks).")
        var truncated = false

        @Flag(help: "28560-3: write every 4-byte block byte-reversed (as some vendors do).")
        var reversedBlocks = false

        func run() throws {
            let input = String(decoding: FileHandle.standardInput.readDataToEndOfFile(), as: UTF8.self)
            let record: ItemRecord
            let json: JSONValue
            do { json = try JSONWire.decode(JSONValue.self, from: input) } catch {
                throw TagCommand.fail("not JSON: \(error)")
            }
            do {
                record = try ItemRecord(json: json)
            } catch {
                throw TagCommand.fail("\(error)")
            }
            do {
                switch format {
                case .part2:
                    print(hexString(try Part2.encode(record, blockSize: blockSize)))
                case .part3:
                    print(hexString(try Part3.encode(record, options: .init(truncated: truncated, reversedBlocks: reversedBlocks))))
                case .part4:
                    guard let afiByte = UInt8(afi, radix: 16) else { throw ValidationError("--afi needs one hex byte") }
                    let (uii, user) = try Part4.encode(record, afi: afiByte)
                    print(hexString(uii))
                    if let user { print(hexString(user)) }
                }
            } catch let e as EncodeError {
                throw TagCommand.fail(e.description)
            }
        }
    }
}
