import KioskCore
import StationCore
import Testing

@Suite struct SpokenPromptTests {
    static let all: [SpokenPrompt] = [
        .welcome, .askPIN, .itemsFound(3), .checkingOut(2), .returning(1), .itemRefused(.notForLoan),
        .itemRefused(.ils("Patron owes ¥50 \u{1B}[2J")), .itemRefused(.notOurs(owner: "CN-110000-X")),
        .done(count: 12, mode: .checkout), .done(count: 1, mode: .checkin), .takeReceipt, .goodbye, .idleWarning,
    ]

    @Test(arguments: all)
    func everyStepHasPlainWordsInBothLanguages(prompt: SpokenPrompt) {
        for lang in KioskLanguage.allCases {
            let text = prompt.text(lang)
            #expect(!text.isEmpty)
            #expect(!text.unicodeScalars.contains { $0.value < 0x20 || $0 == "<" || $0 == ">" || $0 == "&" }, "\(text)")
        }
        // Strangers' words (ILS messages, owners) are never spoken.
        #expect(!prompt.text(.en).contains("owes") && !prompt.text(.en).contains("CN-110000"))
    }

    @Test func countsReadAsWords() {
        #expect(SpokenPrompt.itemsFound(3).text(.zh) == "找到三本书。")
        #expect(SpokenPrompt.checkingOut(2).text(.zh) == "正在借出两本书，请稍候。")
        #expect(SpokenPrompt.done(count: 12, mode: .checkout).text(.zh) == "已借出十二本书。")
        #expect(SpokenPrompt.done(count: 105, mode: .checkin).text(.zh) == "已归还一百零五本书。")
        #expect(SpokenPrompt.done(count: 20, mode: .checkin).text(.zh) == "已归还二十本书。")
        #expect(SpokenPrompt.done(count: 1010, mode: .checkin).text(.zh) == "已归还一千零一十本书。")
        #expect(SpokenPrompt.itemsFound(1).text(.en) == "1 item found.")
        #expect(SpokenPrompt.done(count: 3, mode: .checkout).text(.en) == "Checked out 3 items.")
        #expect(SpokenPrompt.itemRefused(.notForLoan).text(.zh) == "有一本书不能处理：此书仅限馆内阅览。")
    }
}
