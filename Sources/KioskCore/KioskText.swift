import ISO28560
import StationCore

/// The screen's words in Chinese and English. The station's core speaks English to logs and
/// staff; this catalogue is keyed by those English sentences, gettext-style, so the core stays
/// one language and every sentence a patron can meet has its Chinese beside it. A sentence not
/// in the catalogue (an ILS's own screen message) is shown as it came, through `SafeText`.
public enum KioskText {
    /// English → simplified Chinese, for the desk's and the core's sentences.
    static let zh: [String: String] = [
        "that card number cannot be read": "无法识别此卡号，请重新扫描或输入",
        "please wait: the station is busy with the items on the pad": "请稍候：正在处理感应区上的物品",
        "no card to check a PIN for": "请先刷卡或输入读者证号",
        "this card is not known to the library: please see staff": "图书馆系统中没有此读者证，请联系工作人员",
        "too many wrong PINs: please see staff": "密码错误次数过多，请联系工作人员",
        "wrong PIN: please try again": "密码错误，请重新输入",
        "the library system is not reachable and this card was not seen recently: please see staff":
            "图书馆系统暂时无法连接，且近期没有此证的记录，请联系工作人员",
        "please identify first": "请先刷读者证",
        "the station is busy": "自助机正忙，请稍候",
        "the library system is not reachable and this station does not lend offline": "图书馆系统暂时无法连接，本机不支持离线借书",
        "the library system does not allow offline loans": "图书馆系统不允许离线借书",
        "this item cannot be lent while the library system is offline": "系统离线时此物品不能外借",
        "offline loans need an account this station has checked recently: please see staff": "离线借书仅限近期在本机核验过的读者，请联系工作人员",
        "the library system is not reachable: please use the book drop": "图书馆系统暂时无法连接，请使用还书箱",
        "the library system does not allow offline returns": "图书馆系统不允许离线还书",
        "this item cannot be returned while the library system is offline": "系统离线时此物品不能归还",
        "this station cannot record loans now: please see staff": "本机暂时无法记录借阅，请联系工作人员",
        "this station cannot record offline loans now: please see staff": "本机暂时无法记录离线借阅，请联系工作人员",
        "its tag could not be set, so the loan was cancelled": "标签无法写入，本次借阅已取消",
        "its tag could not be set and the loan could not be cancelled yet": "标签无法写入，借阅暂未能取消，请联系工作人员",
        "returned, but its tag could not be set": "已归还，但标签无法写入，请交给工作人员",
        "the library system did not confirm this item; the station checks again": "图书馆系统未确认此物品，本机将再次核对",
        "renewals need the library system": "续借需要连接图书馆系统",
        "this item is already on loan: please see staff": "此物品已被借出，请联系工作人员",
        "this item is for use in the library only": "此物品仅限馆内阅览",
        "your account is blocked: please see staff": "您的账户已被暂停，请联系工作人员",
        "this tag cannot be read: please see staff": "无法读取此标签，请联系工作人员",
        "the library system refused this item": "图书馆系统拒绝处理此物品",
        "put it back on the pad": "请把它放回感应区",
    ]

    /// A sentence of the desk or the core in `lang`; sentences with figures in them are matched
    /// by their fixed parts.
    public static func sentence(_ english: String, _ lang: KioskLanguage) -> String {
        let safe = SafeText.display(english)
        guard lang == .zh else { return safe }
        if let t = zh[english] { return t }
        if let n = figure(in: english, between: "too many wrong PINs: this card can try again in ", and: " min") {
            return "密码错误次数过多，此证请在 \(n) 分钟后重试"
        }
        if let n = figure(in: english, between: "offline limit reached (", and: " items): please see staff") {
            return "已达离线借阅上限（\(n) 件），请联系工作人员"
        }
        if let n = figure(in: english, between: "at most ", and: " items per visit while the library system is offline") {
            return "系统离线时每次最多借 \(n) 件"
        }
        if let set = incompleteSet(english) {
            return "本套共 \(set.of) 件，缺少第 \(set.parts) 件：请把整套放到感应区"
        }
        let owner = (head: "this item belongs to another library (", tail: "): please return it there")
        if english.hasPrefix(owner.head), english.hasSuffix(owner.tail), english.count > owner.head.count + owner.tail.count {
            return "此物品属于其他图书馆（\(SafeText.display(String(english.dropFirst(owner.head.count).dropLast(owner.tail.count))))），请到该馆归还"
        }
        return safe
    }

    /// "part 3 of 3 is missing: …" / "parts 2, 3 of 3 are missing: …" → ("3" / "2、3", 3).
    private static func incompleteSet(_ s: String) -> (parts: String, of: Int)? {
        for (head, tail) in [
            ("part ", " is missing: put the whole set on the pad"), ("parts ", " are missing: put the whole set on the pad"),
        ]
        where s.hasPrefix(head) && s.hasSuffix(tail) {
            let middle = s.dropFirst(head.count).dropLast(tail.count)
            guard let ofRange = middle.firstRange(of: " of "), let of = Int(middle[ofRange.upperBound...]) else { return nil }
            let parts = middle[..<ofRange.lowerBound].split(separator: ", ").joined(separator: "、")
            guard parts.allSatisfy({ $0.isNumber || $0 == "、" || $0 == "…" }) else { return nil }
            return (parts, of)
        }
        return nil
    }

    private static func figure(in s: String, between head: String, and tail: String) -> Int? {
        guard s.hasPrefix(head), s.hasSuffix(tail), s.count > head.count + tail.count else { return nil }
        return Int(s.dropFirst(head.count).dropLast(tail.count))
    }

    /// Why an item was not worked, in plain words.
    public static func refusal(_ r: ItemRefusal, _ lang: KioskLanguage) -> KioskMessage {
        let text: String
        switch (r, lang) {
        case (.ils(let message), _) where !message.isEmpty:
            // The ILS's own words (its screen message), in whatever language it speaks.
            text = (lang == .zh ? "图书馆系统：" : "The library system says: ") + SafeText.display(message)
        case (.offlineNotAllowed(let why), _):
            text = sentence(why, lang)
        default:
            text = sentence(r.text, lang)
        }
        return KioskMessage(code: r.code, text: text)
    }

    /// A message of the session (a refusal, a request for the PIN).
    public static func session(_ english: String, _ lang: KioskLanguage) -> KioskMessage {
        let code: String
        switch english {
        case _ where english.hasPrefix("too many wrong PINs"): code = "pin-locked"
        case "wrong PIN: please try again": code = "pin-wrong"
        case "this card is not known to the library: please see staff": code = "card-unknown"
        case "that card number cannot be read": code = "card-unreadable"
        case _ where english.hasPrefix("the library system is not reachable"): code = "ils-unreachable"
        case _ where english.contains("busy"): code = "busy"
        case "please identify first", "no card to check a PIN for": code = "identify-first"
        default: code = "refused"
        }
        return KioskMessage(code: code, text: sentence(english, lang))
    }

    /// Fixed prompts of the screen that come from the daemon (the page holds its own labels).
    public enum Prompt: String, Sendable, CaseIterable {
        case askPIN = "ask-pin", welcome, putBack = "put-back", working, receipt, goodbye, printed, printFailed = "print-failed"
        case noPrinter = "no-printer"
    }

    public static func prompt(_ p: Prompt, _ lang: KioskLanguage, _ detail: String = "") -> KioskMessage {
        let d = SafeText.display(detail)
        let text: String
        switch (p, lang) {
        case (.askPIN, .zh): text = "请输入密码"
        case (.askPIN, .en): text = "Please enter your PIN"
        case (.welcome, .zh): text = "欢迎，\(d)。请把要借的书放到感应区"
        case (.welcome, .en): text = "Welcome, \(d). Put the items you want to borrow on the pad"
        case (.putBack, .zh): text = "请把《\(d)》放回感应区"
        case (.putBack, .en): text = "Please put \(d) back on the pad"
        case (.working, .zh): text = "正在处理 \(d) 件物品，请勿移动"
        case (.working, .en): text = "Working on \(d) items: please leave them on the pad"
        case (.receipt, .zh): text = "完成。\(d)"
        case (.receipt, .en): text = "Done. \(d)"
        case (.goodbye, .zh): text = "再见，欢迎再来"
        case (.goodbye, .en): text = "Goodbye"
        case (.printed, .zh): text = "凭条已打印，请取走"
        case (.printed, .en): text = "Your receipt is printed: please take it"
        case (.printFailed, .zh): text = "凭条打印失败，请联系工作人员；您的借还已完成"
        case (.printFailed, .en): text = "The receipt could not be printed: please see staff. Your items are done"
        case (.noPrinter, .zh): text = "本机没有打印机"
        case (.noPrinter, .en): text = "This station has no printer"
        }
        return KioskMessage(code: p.rawValue, text: text)
    }

    /// "3 of 4 items done" in `lang`.
    public static func doneCount(_ done: Int, of total: Int, _ lang: KioskLanguage) -> String {
        lang == .zh ? "成功 \(done) 件，共 \(total) 件" : "\(done) of \(total) items done"
    }

    /// The receipt in `lang`, the core's sentences translated.
    public static func receiptText(_ r: Receipt, _ lang: KioskLanguage) -> String {
        r.text(lang.receipt) { sentence($0, lang) }
    }

    /// One outcome's line in `lang`.
    public static func outcome(_ result: ItemOutcome.Result, _ lang: KioskLanguage) -> String {
        Receipt.describe(result, zh: lang == .zh) { sentence($0, lang) }
    }

    /// Where a returned item goes, as an instruction.
    public static func routing(_ r: ReturnRouting, _ lang: KioskLanguage) -> String {
        Receipt.describe(.returned(instruction: r), zh: lang == .zh)
    }
}
