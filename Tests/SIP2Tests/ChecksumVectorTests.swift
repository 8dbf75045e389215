import Foundation
import Testing

@testable import SIP2

/// B1: every row of the shared checksum vectors (Evergreen, pysip2 and invenio agree on them).
struct ChecksumVector: Sendable, CustomTestStringConvertible {
    var label: String
    var expected: String
    var prefix: [UInt8]
    var testDescription: String { label }

    static let all: [ChecksumVector] = {
        let url = Bundle.module.url(forResource: "Fixtures/sip2-checksums", withExtension: "tsv")!
        let text = try! String(contentsOf: url, encoding: .utf8)
        return text.split(separator: "\n").filter { !$0.hasPrefix("#") && !$0.hasPrefix("label") }.map { line in
            let cols = line.split(separator: "\t", omittingEmptySubsequences: false)
            return ChecksumVector(label: String(cols[0]), expected: String(cols[1]), prefix: unescape(String(cols[5])))
        }
    }()

    /// `\xHH` escapes to bytes, everything else as UTF-8.
    static func unescape(_ s: String) -> [UInt8] {
        var out: [UInt8] = []
        let u = Array(s.utf8)
        var i = 0
        while i < u.count {
            if u[i] == 0x5C, i + 3 < u.count, u[i + 1] == 0x78,
                let v = UInt8(String(decoding: u[(i + 2)...(i + 3)], as: UTF8.self), radix: 16)
            {
                out.append(v); i += 4
            } else {
                out.append(u[i]); i += 1
            }
        }
        return out
    }
}

@Suite struct ChecksumVectorTests {
    @Test func thereAreThirteenVectors() { #expect(ChecksumVector.all.count == 13) }

    @Test(arguments: ChecksumVector.all)
    func computesTheExpectedChecksum(_ v: ChecksumVector) {
        let hex = String(decoding: SIP2Checksum.hex(SIP2Checksum.compute(v.prefix)), as: UTF8.self)
        #expect(hex == v.expected)
        #expect(SIP2Checksum.verify(v.prefix, SIP2Checksum.parseHex(Array(v.expected.utf8))!))
    }

    @Test(arguments: ChecksumVector.all)
    func decoderVerifiesTheVectorFrame(_ v: ChecksumVector) throws {
        let frame = v.prefix + Array(v.expected.utf8)
        let charset: SIP2Charset = v.label.contains("cp850") ? .cp850 : v.label.contains("8859") ? .latin1 : .utf8
        let m = try SIP2Decoder(charset: charset).decode(frame)
        #expect(m.checksum == .valid)
        if v.label.contains("title") { #expect(m["AJ"]?.precomposedStringWithCanonicalMapping == "Les Misérables") }
    }

    @Test func invenioThreeDigitChecksumIsAccepted() throws {
        // B5: invenio-sip2 1.0.0 prints "FAD" for 0FAD; the last vector is exactly that case.
        let v = ChecksumVector.all.last!
        #expect(v.expected == "0FAD")
        let m = try SIP2Decoder().decode(v.prefix + Array("FAD".utf8))
        #expect(m.checksum == .valid)
        #expect(m.sequence == 6)
    }

    @Test func workedLoginExampleAndShortCases() throws {
        let frame = try SIP2Encoder().encode(LoginRequest(user: "sc_user", password: "sc_pass", location: "DEMO").message, sequence: 0)
        #expect(frame == Array("9300CNsc_user|COsc_pass|CPDEMO|AY0AZF3A0\r".utf8))
        #expect(try SIP2Encoder().encode(RequestACSResend.message, sequence: 7) == Array("97AZFEF5\r".utf8))
        #expect(try SIP2Encoder().encode(SCStatusRequest().message, sequence: 1) == Array("9900302.00AY1AZFCA5\r".utf8))
    }

    @Test func theSpecsOwnExampleDoesNotVerify() throws {
        // The widely copied 3M example carries EC78; the right checksum is EC7B.
        let m = try SIP2Decoder().decode(Array("9300CNLoginUserID|COLoginPassword|CPLocationCode|AY5AZEC78".utf8))
        #expect(m.checksum == .invalid)
        let ok = try SIP2Decoder().decode(Array("9300CNLoginUserID|COLoginPassword|CPLocationCode|AY5AZEC7B".utf8))
        #expect(ok.checksum == .valid)
    }

    @Test func lowercaseHexIsAccepted() throws {
        #expect(try SIP2Decoder().decode(Array("941AY0AZfdfd".utf8)).checksum == .valid)
    }
}
