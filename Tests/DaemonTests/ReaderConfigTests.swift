import Daemon
import Logging
import RFIDGateConfig
import ReaderEmulators
import Readers
import Testing
import Threads

@Suite("Reader and alarm-output configuration")
struct ReaderConfigTests {
    @Test func readsEveryReaderDriverAndTheAlarmOutput() throws {
        let c = try ConfigFile.parse(
            """
            [[readers]]
            id = "pad"
            driver = "feig-usb"
            usb_serial = "00000001"
            usb_port = "1-2"
            [[readers]]
            id = "hf-gate"
            driver = "feig-tcp"
            host = "10.0.0.5"
            [[readers]]
            id = "uhf-gate"
            driver = "llrp"
            host = "10.0.0.6"
            port = 5085
            antennas = [1, 2, 3, 4]
            [alarm_output]
            kind = "usb-relay"
            relays = [1, 2]
            pulse_ms = 2500
            usb_serial = "ABCDE"
            usb_port = "1-3"
            """)
        #expect(c.readers.map(\.driver) == [.feigUSB, .feigTCP, .llrp])
        #expect(c.readers[0].usbSerial == "00000001" && c.readers[0].usbPort == "1-2")
        #expect(c.readers[1].host == "10.0.0.5" && c.readers[1].port == nil && c.readers[1].driver.defaultPort == 10001)
        #expect(c.readers[2].port == 5085 && GateConfig.Reader.Driver.llrp.defaultPort == 5084)
        let a = try #require(c.alarmOutput)
        #expect(a.kind == .usbRelay && a.relays == [1, 2] && a.pulseMillis == 2500)
        #expect(a.usbSerial == "ABCDE" && a.usbPort == "1-3")
    }

    @Test(arguments: [
        ("[[readers]]\ndriver = \"feig-tcp\"", "needs host"),
        ("[[readers]]\ndriver = \"llrp\"\nhost = \"x\"\nport = 70000", "port must be 1...65535"),
        ("[[readers]]\ndriver = \"feig-usb\"\nhost = \"x\"", "host and port are for"),
        ("[[readers]]\ndriver = \"llrp\"\nhost = \"x\"\nusb_serial = \"1\"", "usb_serial and usb_port are for"),
        ("[alarm_output]\nkind = \"gpio\"", "alarm_output.kind \"gpio\" is not supported"),
        ("[alarm_output]\nrelays = [9]", "relays are numbered 1...8"),
        ("[alarm_output]\npulse_ms = 5", "pulse_ms must be 100...60000"),
        ("[alarm_output]\nrelay = 1", "unknown key alarm_output.relay"),
    ])
    func badReaderKeysSayWhatToFix(text: String, message: String) {
        do {
            _ = try ConfigFile.parse(text, source: "test.toml")
            Issue.record("accepted: \(text)")
        } catch {
            #expect(error.message.contains(message), "\(error.message)")
        }
    }

    /// The runtime wires a feig-tcp reader to a LAN gate (the FEIG TCP emulator here) and reads.
    @Test func runtimeReadsFromAFeigGateOnTCP() throws {
        let field = StaticTagField()
        for i in 0..<3 {
            field.place(
                EmulatedTag(uid: 0xE004_0100_0000_0000 | UInt64(i), dsfid: 0x06, afi: 0x07, memory: [UInt8](repeating: 0, count: 32)))
        }
        let server = try TCPEmulatorServer.feig(FeigEmulator(field: field))
        defer { server.stop() }
        let c = try ConfigFile.parse(
            """
            [[readers]]
            id = "lan"
            driver = "feig-tcp"
            host = "127.0.0.1"
            port = \(server.port)
            antennas = [1]
            """)
        let runtime = try GateRuntime(config: c, logger: Logger(label: "test"))
        #expect(runtime.simulation == nil)
        runtime.start()
        var waited = 0
        while runtime.snapshot().reads == 0 && waited < 200 { sleepNanos(10_000_000); waited += 1 }
        runtime.stop()
        #expect(runtime.snapshot().reads > 0)
    }
}
