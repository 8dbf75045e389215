import ArgumentParser

/// rfidgatectl: the technician's tool. Thin: each subcommand lives in its own file. Async at the
/// root so the SIP2 commands await the client instead of blocking a thread on a semaphore.
@main
struct RFIDGateCtl: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "rfidgatectl",
        abstract: "Look inside RFIDGate: the running daemon, tags, configuration, readers, cache, SIP2.",
        subcommands: [
            TagCommand.self, ConfigCommand.self, ReadersCommand.self, CacheCommand.self, AlarmsCommand.self, StatsCommand.self,
            SIP2Command.self, SyncCommand.self, StatusCommand.self, EventsCommand.self, TopCommand.self,
        ])
}
