import ISO28560
import Testing

/// Hostile text written on tags: nothing reaches a terminal, the journal or a spreadsheet raw.
@Suite struct SafeTextTests {
    @Test(arguments: [
        ("3901\u{1B}[2J\u{1B}[31mOK", "3901\\x1b[2J\\x1b[31mOK"),  // clear screen, colour
        ("item\nALARM  item 1 forged", "item\\x0aALARM  item 1 forged"),  // a forged log line
        ("a\rb\u{0}c\u{7F}d\u{9B}e", "a\\x0db\\x00c\\x7fd\\x9be"),  // CR, NUL, DEL, C1 CSI
        ("abc\u{202E}fdp.exe", "abc\\u{202e}fdp.exe"),  // right-to-left override
        ("x\u{2028}y\u{FEFF}z\u{2066}", "x\\u{2028}y\\u{feff}z\\u{2066}"),
    ])
    func controlAndBidiCharactersAreEscaped(hostile: String, shown: String) {
        #expect(SafeText.display(hostile) == shown)
        #expect(!SafeText.display(hostile).unicodeScalars.contains(where: SafeText.needsEscape))
    }

    @Test func ordinaryTextPassesUnchanged() {
        for s in ["39010000000524", "DK-718500", "红楼梦 第一卷", "Éléments d'économie", "Moby Dick 🐳", ""] {
            #expect(SafeText.display(s) == s)
        }
    }

    @Test func csvFieldsAreQuotedAndNeverFormulas() {
        #expect(SafeText.csvField("plain") == "\"plain\"")
        #expect(SafeText.csvField("say \"hi\"") == "\"say \"\"hi\"\"\"")
        #expect(SafeText.csvField("=HYPERLINK(\"http://x\")") == "\"'=HYPERLINK(\"\"http://x\"\")\"")
        for lead in ["+1", "-1+2", "@SUM(A1)"] {
            #expect(SafeText.csvField(lead).hasPrefix("\"'"), "\(lead)")
        }
        #expect(SafeText.csvField("a,b\nc") == "\"a,b\\x0ac\"")
        #expect(SafeText.csvField("\t=1") == "\"\\x09=1\"")  // a leading tab is escaped, not a cell break
    }
}
