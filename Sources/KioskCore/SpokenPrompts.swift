import StationCore

/// What the station says at each step, in plain words (no markup: the speaker never
/// interprets text). Only the kiosk's own sentences and counts are spoken, never a title, a
/// name or an ILS message: those are written by strangers and may be long.
public enum SpokenPrompt: Sendable, Equatable {
    case welcome
    case askPIN
    case itemsFound(Int)
    case checkingOut(Int)
    case returning(Int)
    case itemRefused(ItemRefusal)
    /// The session's work is done: `count` items lent or returned.
    case done(count: Int, mode: StationMode)
    case takeReceipt
    case goodbye
    case idleWarning

    public func text(_ language: KioskLanguage) -> String {
        language == .zh ? zh : en
    }

    private var zh: String {
        switch self {
        case .welcome: return "欢迎使用自助借还机。请把读者证放在感应区，或把图书放在台面上。"
        case .askPIN: return "请输入密码。"
        case .itemsFound(let n): return "找到\(Self.hanzi(n))本书。"
        case .checkingOut(let n): return "正在借出\(Self.hanzi(n))本书，请稍候。"
        case .returning(let n): return "正在归还\(Self.hanzi(n))本书，请稍候。"
        case .itemRefused(let why): return "有一本书不能处理：" + Self.reasonZH(why) + "。"
        case .done(let n, let mode):
            return (mode == .checkout ? "已借出" : "已归还") + "\(Self.hanzi(n))本书。"
        case .takeReceipt: return "请取走凭条。"
        case .goodbye: return "谢谢，再见。"
        case .idleWarning: return "您还在吗？如果没有操作，本次服务即将结束。"
        }
    }

    private var en: String {
        switch self {
        case .welcome: return "Welcome. Please place your library card on the reader, or put your books on the pad."
        case .askPIN: return "Please enter your PIN."
        case .itemsFound(let n): return "\(Self.items(n)) found."
        case .checkingOut(let n): return "Checking out \(Self.items(n)). Please wait."
        case .returning(let n): return "Returning \(Self.items(n)). Please wait."
        case .itemRefused(let why): return "One item cannot be done: " + Self.reasonEN(why) + "."
        case .done(let n, let mode): return (mode == .checkout ? "Checked out " : "Returned ") + Self.items(n) + "."
        case .takeReceipt: return "Please take your receipt."
        case .goodbye: return "Thank you. Goodbye."
        case .idleWarning: return "Are you still there? Your session will end soon."
        }
    }

    /// Short reasons; the screen shows the details.
    static func reasonZH(_ r: ItemRefusal) -> String {
        switch r {
        case .incompleteSet: return "缺少配件，请把整套放上来"
        case .notForLoan: return "此书仅限馆内阅览"
        case .patronBlocked: return "您的账户已被暂停，请联系工作人员"
        case .notOurs: return "此书属于其他图书馆"
        case .ils: return "图书馆系统拒绝了这本书"
        case .offlineNotAllowed: return "系统离线，暂时不能处理"
        case .unreadable: return "标签无法读取，请联系工作人员"
        }
    }

    static func reasonEN(_ r: ItemRefusal) -> String {
        switch r {
        case .incompleteSet: return "parts are missing, please put the whole set on the pad"
        case .notForLoan: return "it is for use in the library only"
        case .patronBlocked: return "your account is blocked, please see staff"
        case .notOurs: return "it belongs to another library"
        case .ils: return "the library system refused it"
        case .offlineNotAllowed: return "the library system is offline"
        case .unreadable: return "its tag cannot be read, please see staff"
        }
    }

    static func items(_ n: Int) -> String { n == 1 ? "1 item" : "\(n) items" }

    /// A count in Chinese numerals for speech (两 before a measure word): 0...99999; larger
    /// counts in digits.
    static func hanzi(_ n: Int) -> String {
        let digits = ["零", "一", "二", "三", "四", "五", "六", "七", "八", "九"]
        if n == 2 { return "两" }
        guard n >= 0 && n < 100_000 else { return String(n) }
        if n < 10 { return digits[n] }
        let units = ["", "十", "百", "千", "万"]
        var parts: [String] = []
        var value = n
        var position = 0
        var pendingZero = false
        while value > 0 {
            let d = value % 10
            if d == 0 {
                if !parts.isEmpty { pendingZero = true }
            } else {
                if pendingZero { parts.append("零"); pendingZero = false }
                parts.append(digits[d] + units[position])
            }
            value /= 10
            position += 1
        }
        var s = parts.reversed().joined()
        if n >= 10 && n < 20 { s.removeFirst() }  // 十二, not 一十二
        return s
    }
}
