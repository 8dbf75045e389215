import KioskCore
import Testing

@Suite struct KioskLanguageTests {
    @Test func voicesAndTagsPerLanguage() {
        #expect(KioskLanguage.zh.bcp47 == "zh-Hans" && KioskLanguage.zh.voice == "cmn")
        #expect(KioskLanguage.en.bcp47 == "en" && KioskLanguage.en.receipt == .en)
    }
}
