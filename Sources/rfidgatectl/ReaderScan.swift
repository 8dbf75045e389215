import Gate
import ISO28560
import RFIDGateConfig
import ReaderHub
import Readers
import TagRing
import Threads

/// `rfidgatectl readers` and `rfidgatectl readers scan`: what a technician runs first after
/// wiring a gate. Works without the daemon (stop it first: a USB reader or an LLRP connection
/// has one owner), with the readers from the configuration file, or with the first FEIG USB
/// reader plugged in when there is none.
enum ReaderScan {
    /// One line per supported USB device plugged in, and per configured LAN reader.
    static func list(config: GateConfig?, output: (String) -> Void) {
        output(pad("READER", 14) + pad("WIRE", 34) + pad("DRIVER", 10) + pad("SERIAL", 12) + "STATE")
        var usb: USBContext? = nil
        do { usb = try USBContext.system() } catch { output("(USB: \(error))") }
        defer { usb?.shutdown() }
        if let usb {
            for (selector, driver) in [(USBDeviceSelector.feig(), "feig-usb"), (USBDeviceSelector.dcttechRelay(), "usb-relay")] {
                let found = (try? USBDeviceLocator.candidates(usb, selector)) ?? []
                for f in found {
                    let name =
                        config?.readers.first { r in
                            r.driver == .feigUSB && (r.usbSerial == nil || r.usbSerial == f.serial)
                                && (r.usbPort == nil || r.usbPort == f.info.portPath)
                        }?.id ?? (driver == "usb-relay" && config?.alarmOutput != nil ? "alarm" : "-")
                    output(
                        pad(name, 14) + pad("\(f.info.vidPid) port \(f.info.portPath)", 34) + pad(driver, 10) + pad(f.serial ?? "-", 12)
                            + usbState(usb, f))
                }
            }
        }
        for r in config?.readers ?? [] where r.driver == .feigTCP || r.driver == .llrp {
            let port = UInt16(r.port ?? r.driver.defaultPort)
            let state: String
            do {
                let t = try TCPTransport.connect(host: r.host ?? "", port: port, timeoutNanos: 1_000_000_000)
                t.close()
                state = "reachable"
            } catch { state = "unreachable: \(error)" }
            output(pad(r.id, 14) + pad("\(r.host ?? "?"):\(port)", 34) + pad(r.driver.rawValue, 10) + pad("-", 12) + state)
        }
    }

    /// Opens the device briefly: free, not permitted (udev rules), or held by another program.
    static func usbState(_ usb: USBContext, _ f: USBDeviceLocator.Found) -> String {
        do {
            if f.info.vendorID == 0x16C0 {
                let d = try USBControlDevice(context: usb, device: f.info)
                d.close()
            } else {
                let t = try USBBulkTransport(context: usb, device: f.info)
                t.close()
            }
            return "ready"
        } catch {
            return "\(error)"
        }
    }

    struct ScanError: Error, CustomStringConvertible {
        let description: String
    }

    /// Runs inventories on one reader and prints every tag (UID/EPC, antenna, AFI, item id).
    /// With `once`, one inventory; otherwise until `shouldStop()`, each tag once per 2 s.
    static func scan(
        config: GateConfig?, readerID: String?, once: Bool, clock: any MonotonicClock = SystemMonotonicClock(),
        shouldStop: () -> Bool = { false }, output: (String) -> Void
    ) throws -> Int {
        var entry: GateConfig.Reader
        if let config {
            guard let r = readerID.map({ id in config.readers.first { $0.id == id } }) ?? config.readers.first else {
                throw ScanError(
                    description:
                        "no reader \"\(readerID ?? "")\" in the configuration; known: \(config.readers.map(\.id).joined(separator: ", "))")
            }
            entry = r
        } else {
            entry = GateConfig.Reader(id: readerID ?? "usb", driver: .feigUSB, antennas: [])
        }
        if entry.driver == .feigSim {
            throw ScanError(description: "reader \(entry.id) is simulated (feig-sim): nothing to scan on the wire")
        }
        // Built exactly as the daemon builds it (the hub's factory), with reader index 0.
        let factory = ReaderFactory(clock: clock, world: nil)
        defer { factory.usb?.shutdown() }
        let driver = try factory.driver(for: entry, index: 0)
        defer { driver.shutdown() }
        output("scanning \(entry.id) (\(entry.driver.rawValue), \(driver.label))" + (once ? ", one inventory" : "; Ctrl-C stops"))
        var lastPrinted: [UInt64: UInt64] = [:]
        var total = 0
        repeat {
            var lines: [String] = []
            try driver.inventoryCycle { read in
                let now = clock.nanoseconds()
                if let t = lastPrinted[read.idKey], now &- t < 2_000_000_000, !once { return }
                lastPrinted[read.idKey] = now
                lines.append(describe(read))
            }
            for l in lines { output(l) }
            total += lines.count
            if once { break }
            if lines.isEmpty { sleepNanos(50_000_000) }
        } while !shouldStop()
        if once && total == 0 { output("no tags in the field") }
        return total
    }

    /// "E004010000000001  ant 1  AFI 07 secured  item 39010000000524 (28560-2)"
    static func describe(_ read: borrowing TagRead) -> String {
        let id = read.withID { $0.map { hexString([$0]) }.joined() }
        var s = (read.kind == .iso15693 ? "UID " : "EPC ") + id + "  ant \(read.antenna)"
        if read.rssi != .min { s += "  rssi \(read.rssi)" }
        if read.flags.contains(.systemInfoValid) {
            s += "  AFI \(hexString([read.afi])) \(AFIProfile.iso28560.state(afi: read.afi))"
        }
        guard read.flags.contains(.memoryValid) else { return s + "  (tag data not read)" }
        let memory = read.withMemory { Array($0) }
        do {
            let tag = read.kind == .iso15693 ? try TagDecoder.decodeHF(memory, dsfid: read.dsfid) : try TagDecoder.decodeUHF(uii: memory)
            if let item = tag.record?.primaryItemIdentifier {
                s += "  item \(item) (\(tag.format.jsonName))"
                if let owner = tag.record?.ownerInstitution { s += " owner \(owner)" }
            } else {
                s += "  (\(tag.format.jsonName))"
            }
        } catch {
            s += "  undecodable: \(error)"
        }
        return s
    }

    static func pad(_ s: String, _ n: Int) -> String { s.count >= n ? s + " " : s + String(repeating: " ", count: n - s.count) }
}
