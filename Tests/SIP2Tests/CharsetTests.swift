import Testing

@testable import SIP2

/// C7 / D10 at the codec level: titles and names survive each configured charset.
@Suite struct CharsetTests {
    @Test(arguments: [SIP2Charset.utf8, .latin1, .cp850, .gb18030])
    func europeanTitleRoundTrips(_ c: SIP2Charset) throws {
        let title = "Les Misérables – Zoë Ångström"
        let t = c == .latin1 || c == .cp850 ? "Les Misérables - Zoë Ångström" : title
        let bytes = try #require(c.encode(t))
        #expect(c.decode(bytes) == t)
    }

    @Test func chineseTitlesSurviveGB18030() throws {
        let title = "三体：地球往事 · 𠀀 ᠮᠣᠩᠭᠣᠯ €"  // BMP CJK, a supplementary-plane ideograph, Mongolian (4-byte area), euro
        let bytes = try #require(SIP2Charset.gb18030.encode(title))
        #expect(SIP2Charset.gb18030.decode(bytes) == title)
        // Known code points: 三 = C8FD, 体 = CCE5 in GB2312/GBK; € = 0x80 is *not* GB18030 (A2E3).
        #expect(Array(SIP2Charset.gb18030.encode("三体")!) == [0xC8, 0xFD, 0xCC, 0xE5])
        #expect(Array(SIP2Charset.gb18030.encode("€")!) == [0xA2, 0xE3])
        #expect(Array(SIP2Charset.gb18030.encode("𠀀")!) == [0x95, 0x32, 0x82, 0x36])
        #expect(Array(SIP2Charset.gb18030.encode("\u{80}")!) == [0x81, 0x30, 0x81, 0x30])
    }

    @Test func cp850AndLatin1KnownBytes() {
        #expect(SIP2Charset.cp850.encode("é") == [0x82])
        #expect(SIP2Charset.latin1.encode("é") == [0xE9])
        #expect(SIP2Charset.cp850.decode([0x4C, 0x82]) == "Lé")
        #expect(SIP2Charset.cp850.encode("书") == nil)
    }

    @Test func invalidBytesBecomeReplacementCharacters() {
        #expect(SIP2Charset.utf8.decode([0x41, 0xC3]) == "A\u{FFFD}")
        #expect(SIP2Charset.gb18030.decode([0x41, 0x81]) == "A\u{FFFD}")
        #expect(SIP2Charset.gb18030.decode([0xFF, 0x41]) == "\u{FFFD}A")
        #expect(SIP2Charset.ascii.decode([0xE9]) == "\u{FFFD}")
    }

    @Test func checksumIsOverEncodedBytes() throws {
        // The same title gives different checksums in UTF-8 and GB18030; both verify after decoding.
        for c in [SIP2Charset.utf8, .gb18030] {
            var m = SIP2Message(code: "17", fixed: "20250101    120000", fields: [.init("AO", "D"), .init("AB", "三体")])
            m.fields.append(.init("AC", ""))
            let wire = try SIP2Encoder(charset: c).encode(m, sequence: 1)
            let back = try SIP2Decoder(charset: c).decode(Array(wire.dropLast()))
            #expect(back.checksum == .valid && back["AB"] == "三体")
        }
    }

    @Test func charsetNames() {
        #expect(SIP2Charset(name: "UTF8") == .utf8)
        #expect(SIP2Charset(name: "ISO-8859-1") == .latin1)
        #expect(SIP2Charset(name: "IBM850") == .cp850)
        #expect(SIP2Charset(name: "GB18030") == .gb18030)
        #expect(SIP2Charset(name: "ebcdic") == nil)
    }
}
