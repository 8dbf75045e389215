import ISO28560
import KioskCore
import StationCore
import Testing

@Suite struct KioskTextTests {
    @Test func everyCatalogueSentenceHasItsChinese() {
        // A sample of the desk's and the core's sentences as they are written there.
        let sentences = [
            "wrong PIN: please try again", "this card is not known to the library: please see staff", "please identify first",
            "the library system does not allow offline loans", "its tag could not be set, so the loan was cancelled",
            "secured (not checked out)", "on the hot list", ItemRefusal.notForLoan.text, ItemRefusal.patronBlocked.text,
            ItemRefusal.unreadable.text,
        ]
        for s in sentences {
            let zh = KioskText.sentence(s, .zh)
            #expect(zh != s, "no Chinese for: \(s)")
            #expect(zh.unicodeScalars.contains { $0.value >= 0x4E00 && $0.value <= 0x9FFF }, "\(s) → \(zh)")
            #expect(KioskText.sentence(s, .en) == s)
        }
    }

    @Test func sentencesWithFiguresAreTranslatedWithTheirFigures() {
        #expect(KioskText.sentence("too many wrong PINs: this card can try again in 14 min", .zh) == "密码错误次数过多，此证请在 14 分钟后重试")
        #expect(KioskText.sentence("offline limit reached (5 items): please see staff", .zh) == "已达离线借阅上限（5 件），请联系工作人员")
        #expect(
            KioskText.sentence(ItemRefusal.incompleteSet(missing: [2, 3], of: 3).text, .zh) == "本套共 3 件，缺少第 2、3 件：请把整套放到感应区")
        #expect(KioskText.sentence(ItemRefusal.incompleteSet(missing: [3], of: 3).text, .zh).contains("缺少第 3 件"))
        #expect(KioskText.refusal(.notOurs(owner: "CN-110000-X"), .zh).text == "此物品属于其他图书馆（CN-110000-X），请到该馆归还")
        #expect(KioskText.refusal(.incompleteSet(missing: [1], of: 2), .en).code == "incomplete-set")
    }

    @Test func theILSsOwnWordsAreShownAsTheyCameButSafely() {
        let m = KioskText.refusal(.ils("Item on hold\u{1B}[2J for \u{202E}someone"), .zh)
        #expect(m.code == "ils-refused")
        #expect(m.text.hasPrefix("图书馆系统："))
        #expect(!m.text.unicodeScalars.contains { $0.value == 0x1B || $0.value == 0x202E })
        // An unknown sentence passes through SafeText too.
        #expect(!KioskText.sentence("odd\u{7}bell", .zh).unicodeScalars.contains { $0.value == 7 })
    }

    @Test func sessionMessagesCarryStableCodes() {
        #expect(KioskText.session("wrong PIN: please try again", .en).code == "pin-wrong")
        #expect(KioskText.session("too many wrong PINs: please see staff", .zh).code == "pin-locked")
        #expect(
            KioskText.session("the library system is not reachable and this card was not seen recently: please see staff", .zh).code
                == "ils-unreachable")
        for p in KioskText.Prompt.allCases {
            #expect(KioskText.prompt(p, .zh, "x").text != KioskText.prompt(p, .en, "x").text)
        }
    }

    @Test func localDayAndHour() {
        // 2026-12-02 14:36:01 UTC = 22:36:01 in Beijing (UTC+8).
        let now: Int64 = 1_796_222_161_000
        let (day, hour) = LocalDay.boundaries(nowMillis: now, utcOffsetSeconds: 8 * 3600)
        #expect(day == (1_796_222_161 - (22 * 3600 + 36 * 60 + 1)) * 1000)
        #expect(hour == (1_796_222_161 - (36 * 60 + 1)) * 1000)
        let utc = LocalDay.boundaries(nowMillis: now, utcOffsetSeconds: 0)
        #expect(utc.day == (1_796_222_161 - (14 * 3600 + 36 * 60 + 1)) * 1000)
    }
}
