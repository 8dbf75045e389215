import StationCore

/// The two languages of the screens, receipts and spoken prompts: simplified Chinese (the
/// default at Chinese libraries) and English.
public enum KioskLanguage: String, Sendable, CaseIterable, Codable {
    case zh, en

    public var receipt: Receipt.Language { self == .zh ? .zh : .en }
    /// The page's `<html lang>` and the espeak-ng voice.
    public var bcp47: String { self == .zh ? "zh-Hans" : "en" }
    public var voice: String { self == .zh ? "cmn" : "en" }
}
