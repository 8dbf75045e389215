import ArgumentParser
import RFIDGateConfig

/// `rfidgatectl config check FILE`: validate a configuration before restarting a gate with it.
struct ConfigCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "config", abstract: "Check configuration files.", subcommands: [Check.self])

    struct Check: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Validate a TOML configuration file; exit 78 with the offending key if it is wrong.")

        @Argument(help: "The TOML file, e.g. /etc/rfidgate/rfidgate.toml.") var file: String

        func run() throws {
            do {
                let c = try ConfigFile.parse(try readTextFile(file), source: file)
                print("\(file): ok (role \(c.role.rawValue), \(c.readers.count) reader(s): \(c.readers.map(\.id).joined(separator: ", ")))")
            } catch {
                printError("\(error)")
                throw ExitCode(78)
            }
        }
    }
}
