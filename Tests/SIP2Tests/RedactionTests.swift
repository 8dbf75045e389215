import SIP2
import Testing

/// Passwords and PINs never reach a screen or a log, even in a raw frame.
@Suite struct RedactionTests {
    @Test(arguments: [
        ("9300CNsc_user|COsc_pass|CPMAIN|AY0AZF5A1\r", "9300CNsc_user|CO****|CPMAIN|AY0AZF5A1\r"),
        ("2300120250101    120000AODEMO|AAP0001|AC|ADpin1234|AY1AZE9B2", "2300120250101    120000AODEMO|AAP0001|AC|AD****|AY1AZE9B2"),
        (
            "11YN20250101    120000                  AODEMO|AAP1|ABI1|ACterm|ADp|BON",
            "11YN20250101    120000                  AODEMO|AAP1|ABI1|AC****|AD****|BON"
        ),
        (
            "63001" + "20250101    120000" + "          " + "AODEMO|AAP1|AD1234",
            "63001" + "20250101    120000" + "          " + "AODEMO|AAP1|AD****"
        ),
    ])
    func secretFieldsAreMasked(frame: String, shown: String) {
        #expect(SIP2Redaction.redacted(frame) == shown)
    }

    @Test func aSecretAsTheFirstFieldAndInAnUndecodableFrameIsMasked() {
        // A (reordered) login whose first field is CO.
        #expect(SIP2Redaction.redacted("9300COs3cret|CNu") == "9300CO****|CNu")
        // Garbage with a secret after a bar.
        #expect(SIP2Redaction.redacted("zz|ADhunter2") == "zz|AD****")
        #expect(SIP2Redaction.redacted("") == "")
        #expect(SIP2Redaction.redacted("9") == "9")
    }

    @Test func framesWithoutSecretsAreUnchanged() {
        let f = "98YYYNYN01000320250101    1200002.00AODEMO|AMMain|BXYYYYYYYYYYYYYYYY|AY0AZEA2B"
        #expect(SIP2Redaction.redacted(f) == f)
    }
}
