import ArgumentParser
import Daemon

/// The entry point: a SIGTERM (systemctl stop) or SIGINT from the first instruction on is a
/// clean stop, also while the arguments are parsed and the gate is built.
@main
enum Entry {
    static func main() async {
        EarlyStop.install()
        await RFIDGated.main()
    }
}

/// rfidgated: the gate / self-checkout daemon. Thin: all behaviour lives in the Daemon module.
struct RFIDGated: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "rfidgated",
        abstract: "Library RFID security gate and self-checkout daemon.",
        discussion: "With no options it runs the embedded default: a simulated gate with emulated FEIG readers.")

    @Option(name: .long, help: "TOML configuration file (default: built-in simulated gate).")
    var config: String?

    @Option(name: .long, help: "gate or station; without --config, station runs the embedded simulated station.")
    var role: String?

    @Option(name: .long, help: "Stop after this many seconds and print a summary.")
    var duration: Double?

    @Flag(name: .long, help: "Print the summary as one JSON object on the last line.")
    var summaryJson = false

    func validate() throws {
        if let d = duration, !(d > 0) { throw ValidationError("--duration must be a positive number of seconds") }
        if let r = role, !["gate", "station"].contains(r) { throw ValidationError("--role must be gate or station") }
    }

    func run() async throws {
        var options = DaemonOptions()
        options.configPath = config
        options.role = role
        options.durationSeconds = duration
        options.summaryJSON = summaryJson
        let status = await runDaemon(options)
        if status != 0 { throw ExitCode(status) }
    }
}
