import ISO28560
import StationCore
import Testing

@Suite struct ReceiptTests {
    let checkout = Receipt(
        mode: .checkout, patronName: "李华",
        outcomes: [
            ItemOutcome(item: "31110000001", title: "活着", result: .checkedOut(due: "2025-06-29")),
            ItemOutcome(item: "31110000002", title: "Fortress Besieged", result: .renewed(due: "2025-07-01")),
            ItemOutcome(item: "31110000003", title: "三体", result: .refused(.incompleteSet(missing: [2], of: 3))),
            ItemOutcome(item: "31110000004", title: nil, result: .checkedOutOffline(due: "2025-06-15")),
            ItemOutcome(
                item: "31110000005", title: "Dictionary", result: .cancelled("its tag could not be set, so the loan was cancelled")),
        ],
        issuedAt: "2025-06-01 10:15", offline: true)

    let checkin = Receipt(
        mode: .checkin, patronName: nil,
        outcomes: [
            ItemOutcome(item: "A1", title: "Held book", result: .returned(instruction: ReturnRouting(kind: .holdShelf))),
            ItemOutcome(
                item: "A2", title: "Transfer", result: .returned(instruction: ReturnRouting(kind: .otherBranch, destination: "Haidian"))),
            ItemOutcome(item: "A3", title: "Sorted", result: .returned(instruction: ReturnRouting(kind: .sortBin, sortBin: "B3"))),
            ItemOutcome(item: "A4", title: "Odd", result: .returned(instruction: ReturnRouting(kind: .staff))),
            ItemOutcome(item: "A5", title: "Plain", result: .returned(instruction: nil)),
            ItemOutcome(item: "A6", title: "Offline", result: .returnedOffline),
            ItemOutcome(item: "A7", title: "Left", result: .needsStaff("returned, but its tag could not be set")),
        ],
        issuedAt: "2025-06-01 10:20", offline: false)

    @Test func anEnglishCheckoutReceipt() {
        let text = checkout.text(.en)
        let lines = text.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        #expect(lines.first == "Checkout receipt")
        #expect(lines[1] == "2025-06-01 10:15" && lines[2] == "Patron: 李华")
        #expect(lines.contains("活着 [31110000001]") && lines.contains("  checked out, due 2025-06-29"))
        #expect(lines.contains("Fortress Besieged [31110000002]") && lines.contains("  renewed, due 2025-07-01"))
        #expect(lines.contains("  not done: part 2 of 3 is missing: put the whole set on the pad"))
        #expect(lines.contains("31110000004 [31110000004]") && lines.contains("  checked out offline, due 2025-06-15"))
        #expect(lines.contains("  cancelled: its tag could not be set, so the loan was cancelled"))
        #expect(lines.contains("3 of 5 items done"))
        #expect(lines.last == "Library system offline: your loans are recorded and will be sent when it is back")
        #expect(lines.count == 3 + 2 * 5 + 2)
    }

    @Test func aChineseCheckoutReceipt() {
        let text = checkout.text(.zh)
        #expect(text.hasPrefix("借书凭条\n2025-06-01 10:15\n读者：李华\n"))
        #expect(text.contains("活着 [31110000001]\n  已借出，应还日期 2025-06-29"))
        #expect(text.contains("Fortress Besieged [31110000002]\n  已续借，应还日期 2025-07-01"))
        #expect(text.contains("  未处理：part 2 of 3 is missing"))
        #expect(text.contains("  离线借出，应还日期 2025-06-15"))
        #expect(text.contains("  已取消："))
        #expect(text.contains("成功 3 件，共 5 件"))
        #expect(text.hasSuffix("图书馆系统离线：借阅已记录，系统恢复后自动提交"))
    }

    @Test func anEnglishReturnReceiptSaysWhereEachItemGoes() {
        let text = checkin.text(.en)
        #expect(text.hasPrefix("Return receipt\n2025-06-01 10:20\nHeld book [A1]\n"))
        #expect(!text.contains("Patron:"))
        #expect(text.contains("Held book [A1]\n  returned: put it on the hold shelf\n"))
        #expect(text.contains("Transfer [A2]\n  returned: leave it for transfer to Haidian\n"))
        #expect(text.contains("Sorted [A3]\n  returned sort bin B3\n"))
        #expect(text.contains("Odd [A4]\n  returned: please hand it to staff\n"))
        #expect(text.contains("Plain [A5]\n  returned\n"))
        #expect(text.contains("Offline [A6]\n  returned offline; sent when the library system is back\n"))
        #expect(text.contains("Left [A7]\n  please see staff: returned, but its tag could not be set\n"))
        #expect(text.hasSuffix("6 of 7 items done"))
        #expect(!text.contains("offline: your loans"))
    }

    @Test func aChineseReturnReceiptSaysWhereEachItemGoes() {
        let text = checkin.text(.zh)
        #expect(text.hasPrefix("还书凭条\n"))
        #expect(text.contains("  已归还：请放到预约架\n"))
        #expect(text.contains("  已归还：请交给工作人员转送 Haidian\n"))
        #expect(text.contains("  已归还 分拣箱 B3\n"))
        #expect(text.contains("  已归还：请交给工作人员\n"))
        #expect(text.contains("Plain [A5]\n  已归还\n"))
        #expect(text.contains("  离线归还，系统恢复后提交\n"))
        #expect(text.contains("  请联系工作人员：returned, but its tag could not be set\n"))
        #expect(text.hasSuffix("成功 6 件，共 7 件"))
    }

    @Test(arguments: Receipt.Language.allCases)
    func controlCharactersFromTagsAndTheILSAreEscaped(lang: Receipt.Language) {
        let receipt = Receipt(
            mode: .checkout, patronName: "Li\u{1B}[2J Hua",
            outcomes: [
                ItemOutcome(item: "311\u{07}1", title: "\u{1B}[2JClear\u{07}screen\nFAKE LINE", result: .checkedOut(due: "2025-06-29\r")),
                ItemOutcome(
                    item: "X", title: "Evil\u{202E}txt",
                    result: .returned(instruction: ReturnRouting(kind: .otherBranch, destination: "\u{9B}31m"))),
                ItemOutcome(item: "Y", title: "T", result: .refused(.ils("no\u{85}way"))),
            ],
            issuedAt: "2025-06-01 10:15", offline: false)
        let text = receipt.text(lang)
        #expect(!text.unicodeScalars.contains { $0 != "\n" && SafeText.needsEscape($0) })
        #expect(text.contains("\\x1b[2JClear\\x07screen\\x0aFAKE LINE [311\\x071]"))
        #expect(text.contains("Li\\x1b[2J Hua"))
        #expect(text.contains("2025-06-29\\x0d"))
        #expect(text.contains("Evil\\u{202e}txt [X]"))
        #expect(text.contains("\\x9b31m"))
        #expect(text.contains("no\\x85way"))
        // Only the receipt's own line breaks: 3 header lines, 2 per item, the total.
        #expect(text.split(separator: "\n").count == 3 + 2 * 3 + 1)
    }

    @Test func whatCountsAsDone() {
        func done(_ r: ItemOutcome.Result) -> Bool { ItemOutcome(item: "x", title: nil, result: r).succeeded }
        #expect(done(.checkedOut(due: "")) && done(.renewed(due: "")) && done(.checkedOutOffline(due: "")))
        #expect(done(.returned(instruction: nil)) && done(.returnedOffline))
        #expect(!done(.refused(.notForLoan)) && !done(.cancelled("x")) && !done(.needsStaff("x")))
    }
}
