import Gate
import RFIDGateConfig
import Testing

@Suite("Configuration file")
struct ConfigTests {
    @Test func emptyFileIsTheEmbeddedDefault() throws {
        #expect(try ConfigFile.parse("") == GateConfig())
        // Items not for circulation are judged like any other unless the site asks.
        #expect(!GateConfig().policy.notForCirculationAlarms)
        #expect(try !ConfigFile.parse("[policy]\nnot_for_circulation_alarm = false").policy.notForCirculationAlarms)
    }

    @Test func everyDocumentedKeyIsRead() throws {
        let c = try ConfigFile.parse(
            """
            role = "gate"
            [[readers]]
            id = "north"
            driver = "feig-sim"
            antennas = [1, 2, 3]
            memory_bytes = 36
            response_timeout_ms = 250
            [[readers]]
            id = "south"
            [pipeline]
            ring_capacity = 8192
            dedupe_window_ms = 500
            passage_gap_ms = 4000
            batch_size = 128
            tracked_tags = 4096
            [policy]
            afi_profile = "3m"
            alarm_on_unknown_security = false
            alarm_on_undecodable = true
            not_for_circulation_alarm = true
            [simulation]
            population = 100
            on_loan_fraction = 0.4
            patrons_per_minute = 12
            max_items_per_patron = 2
            forgetful_fraction = 0.5
            dwell_ms = 900
            part3_fraction = 0
            owner_isil = "US-InU-Mu"
            seed = 7
            [status]
            interval_ms = 500
            """)
        #expect(c.readers.map(\.id) == ["north", "south"])
        #expect(c.readers[0].antennas == [1, 2, 3])
        #expect(c.readers[0].memoryBytes == 36)
        #expect(c.readers[0].responseTimeoutMillis == 250)
        #expect(c.ringCapacity == 8192)
        #expect(c.pipeline.dedupeWindowNanos == 500_000_000)
        #expect(c.pipeline.passageGapNanos == 4_000_000_000)
        #expect(c.pipeline.batchSize == 128)
        #expect(c.policy.afiProfile == .threeM)
        #expect(!c.policy.alarmOnUnknownSecurity && c.policy.alarmOnUndecodable)
        #expect(c.policy.notForCirculationAlarms)
        #expect(c.simulation.population == 100 && c.simulation.seed == 7)
        #expect(c.simulation.onLoanFraction == 0.4 && c.simulation.patronsPerMinute == 12)
        #expect(c.simulation.ownerISIL == "US-InU-Mu" && c.simulation.dwellMillis == 900)
        #expect(c.statusIntervalMillis == 500)
    }

    @Test func everyStationKeyIsRead() throws {
        let c = try ConfigFile.parse(
            """
            role = "station"
            [station]
            id = "north-desk"
            sip2_connections = 4
            require_pin = true
            idle_timeout_s = 90
            incomplete_sets = "warn"
            owners = ["CN-100000-1"]
            secured_afi = 0xD7
            unsecured_afi = 0xDA
            eas = true
            write_attempts = 5
            lift_grace_s = 12
            patron_card = "uid"
            [station.patron_cards]
            e004015012345678 = "P0042"
            [station.offline]
            enabled = false
            max_items_per_patron = 2
            max_items_per_session = 1
            good_standing_days = 7
            loan_days = 21
            [station.autopilot]
            checkout_with_card = true
            return_after_s = 2.5
            [station.simulation]
            patrons = false
            visits_per_minute = 30
            seed = 7
            """)
        let s = c.station
        #expect(c.role == .station && s.id == "north-desk" && s.sip2Connections == 4 && s.requirePIN && s.idleTimeoutSeconds == 90)
        #expect(s.incompleteSets == "warn" && s.owners == ["CN-100000-1"] && s.securedAFI == 0xD7 && s.unsecuredAFI == 0xDA && s.eas)
        #expect(
            s.writeAttempts == 5 && s.liftGraceSeconds == 12 && s.patronCard == "uid" && s.patronCardsByUID == ["E004015012345678": "P0042"]
        )
        #expect(!s.offlineEnabled && s.offlineMaxItemsPerPatron == 2 && s.offlineMaxItemsPerSession == 1)
        #expect(s.offlineGoodStandingDays == 7 && s.offlineLoanDays == 21)
        #expect(s.autoCheckoutWithCard && s.autoReturnAfterSeconds == 2.5 && s.simulatedVisitsPerMinute == 30 && s.simulationSeed == 7)
        #expect(!s.simulatedPatrons)
    }

    @Test func everyKioskKeyIsRead() throws {
        let defaults = GateConfig().kiosk
        #expect(defaults.enabled && defaults.listen == "127.0.0.1:8560" && defaults.language == "zh" && defaults.printer == "none")
        #expect(defaults.tcp?.host == "127.0.0.1" && defaults.tcp?.port == 8560)
        let c = try ConfigFile.parse(
            """
            [kiosk]
            enabled = true
            listen = "[::1]:0"
            unix_socket = "/run/rfidgate/kiosk.sock"
            allowed_hosts = ["station-3.library.example"]
            language = "en"
            speech = true
            speech_wav_dir = "/var/lib/rfidgate/speech"
            printer = "usb"
            printer_vendor = 0x0416
            printer_product = 0x5011
            """)
        let k = c.kiosk
        #expect(k.tcp?.host == "::1" && k.tcp?.port == 0 && k.unixSocket == "/run/rfidgate/kiosk.sock")
        #expect(k.allowedHosts == ["station-3.library.example"] && k.language == "en" && k.speech)
        #expect(
            k.speechWAVDirectory == "/var/lib/rfidgate/speech" && k.printer == "usb" && k.printerVendor == 0x0416
                && k.printerProduct == 0x5011)
        let socketOnly = try ConfigFile.parse("[kiosk]\nlisten = \"\"\nunix_socket = \"/run/k.sock\"")
        #expect(socketOnly.kiosk.tcp == nil && socketOnly.kiosk.unixSocket == "/run/k.sock")
    }

    @Test(arguments: [
        ("rol = \"gate\"", "unknown key rol"),
        ("[pipeline]\nring_capacty = 5", "unknown key pipeline.ring_capacty"),
        ("[[readers]]\nid = \"a\"\ndriver = \"feig-serial\"", "not supported in this build"),
        ("[[readers]]\nid = \"a\"\n[[readers]]\nid = \"a\"", "used twice"),
        ("[pipeline]\ndedupe_window_ms = 5000\npassage_gap_ms = 1000", "passage_gap_ms must be longer"),
        ("[policy]\nafi_profile = \"acme\"", "afi_profile \"acme\" is unknown"),
        ("[policy]\nnot_for_circulation_alarm = \"yes\"", "policy.not_for_circulation_alarm must be true or false"),
        ("[policy]\nnot_for_circulation_alarms = true", "unknown key policy.not_for_circulation_alarms"),
        ("[simulation]\npopulation = \"many\"", "simulation.population must be an integer"),
        ("role = \"station\"\n[station]\nsip2_connections = 0", "sip2_connections must be 1...16"),
        ("[station]\nincomplete_sets = \"maybe\"", "incomplete_sets must be"),
        ("[station.autopilot]\nchekout_with_card = true", "unknown key station.autopilot.chekout_with_card"),
        ("[station]\nsecured_afi = 194\nunsecured_afi = 194", "two different bytes"),
        ("[station.patron_cards]\n\"card-7\" = \"P1\"", "must be a card UID in hex"),
        ("this is = not toml =", "not valid TOML"),
        ("[kiosk]\nlisten = \"8560\"", "[kiosk] listen must be \"host:port\""),
        ("[kiosk]\nlisten = \"\"", "[kiosk] needs listen or unix_socket"),
        ("[kiosk]\nlanguage = \"fr\"", "[kiosk] language must be"),
        ("[kiosk]\nprinter = \"serial\"", "[kiosk] printer must be"),
        ("[kiosk]\nunix_socket = \"kiosk.sock\"", "absolute path"),
        ("[kiosk]\nprinter_vendor = 70000", "0...65535"),
        ("[kiosk]\nlisen = \"127.0.0.1:1\"", "unknown key kiosk.lisen"),
        ("[station.simulation]\npatrons = 1", "station.simulation.patrons must be true or false"),
    ])
    func badFilesSayWhatToFix(text: String, message: String) {
        do {
            _ = try ConfigFile.parse(text, source: "test.toml")
            Issue.record("accepted: \(text)")
        } catch {
            #expect(error.message.contains(message), "\(error.message)")
        }
    }
}
