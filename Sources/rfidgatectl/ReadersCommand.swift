import ArgumentParser
import ControlProtocol
import RFIDGateConfig

#if canImport(Glibc)
import Glibc
#endif

/// `rfidgatectl readers [scan]`: which readers are attached, and what they read right now.
struct ReadersCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "readers",
        abstract: "List attached readers (USB VID:PID or LAN address, driver, serial, state).",
        discussion: "Without --config, /etc/rfidgate/rfidgate.toml is used when it exists.",
        subcommands: [List.self, Scan.self], defaultSubcommand: List.self)

    static func loadConfig(_ path: String?) throws -> GateConfig? {
        let file = path ?? "/etc/rfidgate/rfidgate.toml"
        if path == nil && access(file, R_OK) != 0 { return nil }
        do { return try ConfigFile.parse(try readTextFile(file), source: file) } catch {
            printError("rfidgatectl readers: \(error)")
            throw ExitCode(78)
        }
    }

    struct List: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "list", abstract: "List attached and configured readers (the default).")
        @Option(help: "Configuration file naming the readers.") var config: String?
        func run() throws {
            let c = try ReadersCommand.loadConfig(config)
            ReaderScan.list(config: c) { print($0) }
            // A running daemon owns its readers (USB claimed, LLRP connected), so the list above
            // says "in use": show what the daemon itself says about them.
            let socket = ControlSocketPath.resolve(configured: c?.statusSocket, client: true)
            if let report = StatusCommand.fetchQuietly(socket) {
                print()
                print("rfidgated is running (status socket \(socket)) and owns:")
                for r in report.readers {
                    print("  \(r.id)  \(r.driver)  \(r.state)  \(r.reads) reads  \(r.wire)")
                }
                print("(rfidgatectl status for rates; stop rfidgated before readers scan)")
            }
        }
    }

    struct Scan: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Run inventories without the daemon and print each tag (UID/EPC, antenna, AFI, item id).",
            discussion:
                "Stop rfidgated first: a USB reader and an LLRP connection have one owner. Without a configuration file the first FEIG USB reader plugged in is used."
        )
        @Option(help: "Configuration file naming the readers.") var config: String?
        @Option(help: "The reader's id in the configuration (default: the first).") var reader: String?
        @Flag(help: "One inventory, then exit.") var once = false

        func run() throws {
            let c = try ReadersCommand.loadConfig(config)
            signal(SIGINT) { _ in scanStop = 1 }
            do {
                _ = try ReaderScan.scan(config: c, readerID: reader, once: once, shouldStop: { scanStop != 0 }) { line in
                    print(line)
                    fflush(nil)  // all streams: a technician watching wants each tag at once
                }
            } catch {
                printError("rfidgatectl readers scan: \(error)")
                throw ExitCode(69)  // EX_UNAVAILABLE
            }
        }
    }
}

nonisolated(unsafe) var scanStop: sig_atomic_t = 0
