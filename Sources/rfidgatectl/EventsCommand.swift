import ArgumentParser
import Circulation
import RFIDGateConfig

/// `rfidgatectl alarms --since DATE`: the event log's alarms, with titles.
struct AlarmsCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "alarms", abstract: "List alarms from the event log, with titles.")
    @OptionGroup var since: SinceOption
    @Flag(help: "Print CSV (with a header) instead of aligned text.") var csv = false
    @OptionGroup var store: StoreOptions

    func run() throws {
        let from = try since.millis()
        let s = try store.open()
        let alarms = try storeCall { () throws(CirculationError) in try s.alarms(since: from) }
        if csv {
            print("time,item,part,title,owner_isil,reader,antenna,afi,reason,tag_uid")
            for a in alarms {
                print(
                    [
                        LocalTime.format(a.at), a.item ?? "", a.parts > 1 ? "\(a.part)/\(a.parts)" : "", a.title ?? "", a.ownerISIL ?? "",
                        a.reader, "\(a.antenna)", "\(a.afi)", a.reason, a.tagUID,
                    ].map(csvField).joined(separator: ","))
            }
            return
        }
        for a in alarms {
            let item = a.item.map { $0 + (a.parts > 1 ? " part \(a.part)/\(a.parts)" : "") } ?? "tag \(a.tagUID)"
            print(
                "\(LocalTime.format(a.at))  \(item)  \(a.title.map { "\"\($0)\"" } ?? "(no title)")  \(a.reader)/\(a.antenna)  \(a.reason)")
        }
        print("\(alarms.count) alarm(s) since \(LocalTime.format(from, seconds: false))")
    }
}

/// `rfidgatectl stats visitors --since DATE`: people in and out per quarter hour.
struct StatsCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "stats", abstract: "Statistics from the event log.", subcommands: [Visitors.self])

    struct Visitors: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Visitors in and out through the gate, per 15 minutes.")
        @OptionGroup var since: SinceOption
        @Flag(help: "Print CSV (with a header) instead of aligned text.") var csv = false
        @OptionGroup var store: StoreOptions

        func run() throws {
            let from = try since.millis()
            let s = try store.open()
            let buckets = try storeCall { () throws(CirculationError) in try s.visitors(since: from) }
            if csv {
                print("start,in,out")
                for b in buckets { print("\(LocalTime.format(b.start * 1000, seconds: false)),\(b.inCount),\(b.outCount)") }
                return
            }
            print("quarter hour from      in    out")
            var tin = 0, tout = 0
            for b in buckets {
                print(
                    "\(LocalTime.format(b.start * 1000, seconds: false))  \(String(b.inCount).leftPadded(5))  \(String(b.outCount).leftPadded(5))"
                )
                tin += b.inCount
                tout += b.outCount
            }
            print("total              \(String(tin).leftPadded(5))  \(String(tout).leftPadded(5))")
        }
    }
}

extension String {
    func leftPadded(_ n: Int) -> String { String(repeating: " ", count: max(0, n - count)) + self }
}
