import Testing

@testable import SIP2

@Suite struct MessageCodecTests {
    let date = SIP2Date(year: 2025, month: 1, day: 1, hour: 12)
    func text(_ b: [UInt8]) -> String { String(decoding: b, as: UTF8.self) }

    @Test func checkoutOnlineAndOfflineFramesMatchTheVectors() throws {
        let enc = SIP2Encoder()
        let online = CheckoutRequest(
            scRenewalPolicy: true, noBlock: false, transactionDate: date, institution: "DEMO", patron: "P0001", item: "I0001")
        #expect(
            text(try enc.encode(online.message, sequence: 2))
                == "11YN20250101    120000                  AODEMO|AAP0001|ABI0001|AC|AY2AZF0D9\r")
        let offline = CheckoutRequest(
            scRenewalPolicy: false, noBlock: true, transactionDate: SIP2Date(year: 2025, month: 1, day: 1, hour: 11),
            nbDueDate: SIP2Date(year: 2025, month: 1, day: 15, hour: 23, minute: 59), institution: "DEMO", patron: "P0003", item: "I0002")
        #expect(
            text(try enc.encode(offline.message, sequence: 3))
                == "11NY20250101    11000020250115    235900AODEMO|AAP0003|ABI0002|AC|AY3AZEFD3\r")
    }

    @Test func checkinMatchesTheVector() throws {
        let r = CheckinRequest(transactionDate: date, returnDate: date, currentLocation: "Main", institution: "DEMO", item: "I0001")
        #expect(
            text(try SIP2Encoder().encode(r.message, sequence: 4))
                == "09N20250101    12000020250101    120000APMain|AODEMO|ABI0001|AC|AY4AZEFB8\r")
    }

    @Test func patronStatusSendsEmptyACandAD() throws {
        // B10: required-but-empty fields are present, every field (the last one too) ends with "|".
        let r = PatronStatusRequest(date: date, institution: "DEMO", patron: "P0001")
        let s = text(try SIP2Encoder(errorDetection: false).encode(r.message, sequence: 0))
        #expect(s == "2300020250101    120000AODEMO|AAP0001|AC|AD|\r")
    }

    @Test func errorDetectionOffSendsNoTrailer() throws {
        #expect(text(try SIP2Encoder(errorDetection: false).encode(SCStatusRequest().message, sequence: 5)) == "9900302.00\r")
    }

    @Test func sequenceDigitWraps() throws {
        let e = SIP2Encoder()
        #expect(text(try e.encode(SCStatusRequest().message, sequence: 10)).contains("AY0AZ"))
        #expect(text(try e.encode(SCStatusRequest().message, sequence: 19)).contains("AY9AZ"))
    }

    @Test func fieldHygieneIsEnforced() {
        let e = SIP2Encoder()
        #expect(throws: SIP2EncodeError.forbiddenCharacter(field: "AB")) {
            try e.encode(ItemInformationRequest(date: date, institution: "DEMO", item: "I00|01").message, sequence: 0)
        }
        #expect(throws: SIP2EncodeError.forbiddenCharacter(field: "AB")) {
            try e.encode(ItemInformationRequest(date: date, institution: "DEMO", item: "I00\r01").message, sequence: 0)
        }
        #expect(throws: SIP2EncodeError.tooLong(field: "AB", bytes: 256)) {
            try e.encode(
                ItemInformationRequest(date: date, institution: "DEMO", item: String(repeating: "z", count: 256)).message, sequence: 0)
        }
        #expect(throws: SIP2EncodeError.unencodable(field: "CO", charset: .ascii)) {
            try SIP2Encoder(charset: .ascii).encode(LoginRequest(user: "u", password: "pässword").message, sequence: 0)
        }
        // 85 CJK characters are 255 bytes in UTF-8 (ok) and 170 in GB18030.
        let cjk = String(repeating: "书", count: 85)
        #expect((try? e.encode(ItemInformationRequest(date: date, institution: "DEMO", item: cjk).message, sequence: 0)) != nil)
        #expect(throws: SIP2EncodeError.tooLong(field: "AB", bytes: 258)) {
            try e.encode(ItemInformationRequest(date: date, institution: "DEMO", item: cjk + "书").message, sequence: 0)
        }
    }

    @Test func acsStatusWithSpacePaddedNumbers() throws {
        // A4: invenio's "98YYYYYY 10 10…".
        let m = try SIP2Decoder().decode(
            Array("98YYYYYY 10 1020251121    2340482.00AODEMO|AMDemo Library|BXYYYNYYYYYYYNYYYN|AY1AZDA6B".utf8))
        guard case .acsStatus(let s) = try SIP2Response(m) else { Issue.record("not 98"); return }
        #expect(s.online && s.offlineOK && s.checkoutOK && s.checkinOK)
        #expect(s.timeoutTenths == 10 && s.retriesAllowed == 10)
        #expect(s.dateTime == SIP2Date(year: 2025, month: 11, day: 21, hour: 23, minute: 40, second: 48))
        #expect(s.institution == "DEMO" && s.libraryName == "Demo Library")
        #expect(s.supports(.itemInformation) && !s.supports(.itemStatusUpdate) && !s.supports(.blockPatron))
    }

    @Test func acsStatusTimeout000MeansOffline() throws {
        let m = try SIP2Decoder().decode(Array("98YNNNNN000003                  2.00AODEMO|BXYYYYYYYYYYYYYYYY|".utf8))
        guard case .acsStatus(let s) = try SIP2Response(m) else { Issue.record("not 98"); return }
        #expect(!s.online && !s.offlineOK && s.timeoutTenths == nil && s.dateTime == nil)
    }

    @Test func checkoutResponseFieldsInAnyOrderUnknownIgnored() throws {
        // B11: pysip2 order, plus extension IDs the codec does not know.
        let raw = "121NNY20251121    120000AHNov 5|XIfoo|AOD|AJ书名：三体|ABI1|AAP1|PAbar|AFChecked out|AFsecond|CK001|"
        let m = try SIP2Decoder().decode(Array(raw.utf8))
        guard case .checkout(let r) = try SIP2Response(m) else { Issue.record("not 12"); return }
        #expect(r.ok && !r.renewal && r.desensitize == true && r.magneticMedia == false)
        #expect(r.title == "书名：三体" && r.item == "I1" && r.patron == "P1")
        #expect(r.dueDate?.text == "Nov 5" && r.dueDate?.date == nil)
        #expect(r.screenMessages == ["Checked out", "second"])
        #expect(m["XI"] == "foo")
    }

    @Test func dueDateForms() {
        #expect(SIP2Date(dueDate: "20261205    235900") == SIP2Date(year: 2026, month: 12, day: 5, hour: 23, minute: 59))
        #expect(SIP2Date(dueDate: "2011-10-28 23:59:59") == SIP2Date(year: 2011, month: 10, day: 28, hour: 23, minute: 59, second: 59))
        #expect(SIP2Date(dueDate: "2011-10-28") == SIP2Date(year: 2011, month: 10, day: 28))
        #expect(SIP2Date(dueDate: "20261205   Z235900")?.zone == "   Z")
        #expect(SIP2Date(sip: SIP2Date.blank) == nil)
        #expect(SIP2Date(dueDate: "next week") == nil)
    }

    @Test func dateFromUnixTime() {
        #expect(SIP2Date(unixSeconds: 0).description == "19700101    000000")
        #expect(SIP2Date(unixSeconds: 1_763_768_448).description == "20251121    234048")
        #expect(SIP2Date(unixSeconds: 951_782_400 + 86_399, zone: "   Z").description == "20000229   Z235959")
        #expect(SIP2Date(unixSeconds: 1_763_768_448, utcOffsetSeconds: 3600).description == "20251122    004048")
        let d = SIP2Date(unixSeconds: 4_102_444_800 + 12_345)
        #expect(d.secondsAsUTC == 4_102_444_800 + 12_345)
    }

    @Test func itemInformationStatusAndCharged() throws {
        let m = try SIP2Decoder().decode(Array("1804020120251121    120000AH20300115    235900|ABI0003|AJMoby Dick|".utf8))
        guard case .itemInformation(let r) = try SIP2Response(m) else { Issue.record("not 18"); return }
        #expect(r.circulationStatus == .charged && r.isCharged && r.securityMarker == "02" && r.feeType == "01")
        #expect(r.dueDate?.date?.year == 2030)
    }

    @Test func patronInformationWithBlankCountsAndLists() throws {
        let raw =
            "64Y         Y   00120251121    1200000001    00010000000000000000AODEMO|AAP0002|AEBob Blocked|BLY|CQN|AUI1|AUI2|BEbob@example.org|"
        guard case .patronInformation(let r) = try SIP2Response(SIP2Decoder().decode(Array(raw.utf8))) else {
            Issue.record("not 64"); return
        }
        #expect(r.status.has(.chargePrivilegesDenied) && r.status.has(.excessiveFines) && r.status.blocksCheckout)
        #expect(r.counts[0] == 1 && r.counts[1] == nil && r.counts[2] == 1)
        #expect(r.chargedItems == ["I1", "I2"] && r.validPatron == true && r.validPassword == false && r.email == "bob@example.org")
    }

    @Test func unknownCommandAndShortFixedPartAreErrorsNotCrashes() {
        #expect(throws: SIP2DecodeError.unknownCommand("No")) { try SIP2Decoder().decode(Array("None".utf8)) }
        #expect(throws: SIP2DecodeError.tooShort(command: "12", expected: 22, got: 3)) { try SIP2Decoder().decode(Array("12100".utf8)) }
    }

    @Test func lastFieldWithoutPipeIsAccepted() throws {
        let m = try SIP2Decoder().decode(Array("3620251121    120000YAODEMO|AAP0001".utf8).dropFirst(0).map { $0 })
        // "36" fixed is end-session(1)+date(18): build it right.
        _ = m
        let ok = try SIP2Decoder().decode(Array("36Y20251121    120000AODEMO|AAP0001".utf8))
        guard case .endSession(let e) = try SIP2Response(ok) else { Issue.record("not 36"); return }
        #expect(e.ended && e.patron == "P0001")
    }

    @Test func resendRequestWithChecksumOnly() throws {
        let m = try SIP2Decoder().decode(Array("96AZFEF6".utf8))
        #expect(m.checksum == .valid && m.sequence == nil)
        #expect(try SIP2Response(m) == .resendRequest)
    }

    @Test func everyRequestRoundTripsThroughTheDecoder() throws {
        let reqs: [any SIP2Request] = [
            LoginRequest(user: "u", password: "p", location: "L"), SCStatusRequest(),
            PatronStatusRequest(date: date, institution: "I", patron: "P"),
            PatronInformationRequest(date: date, institution: "I", patron: "P", patronPassword: "1", summary: .charged, range: 1...5),
            CheckoutRequest(transactionDate: date, institution: "I", patron: "P", item: "X", feeAcknowledged: true),
            CheckinRequest(transactionDate: date, returnDate: date, currentLocation: "L", institution: "I", item: "X", cancel: true),
            ItemInformationRequest(date: date, institution: "I", item: "X"),
            ItemStatusUpdateRequest(date: date, institution: "I", item: "X", properties: "p"),
            RenewRequest(transactionDate: date, institution: "I", patron: "P", item: "X"),
            EndPatronSessionRequest(date: date, institution: "I", patron: "P"),
        ]
        for r in reqs {
            let wire = try SIP2Encoder().encode(r.message, sequence: 3)
            #expect(wire.last == 0x0D && !wire.dropLast().contains(0x0D))
            let back = try SIP2Decoder().decode(Array(wire.dropLast()))
            #expect(back.code == r.message.code && back.fixed == r.message.fixed && back.fields == r.message.fields)
            #expect(back.sequence == 3 && back.checksum == .valid)
        }
    }
}
