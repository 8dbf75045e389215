import ArgumentParser
import RFIDGateConfig
import SIP2
import SIP2Client

/// `rfidgatectl sip2 …`: talk to the ILS by hand (a technician's SIP2 probe).
/// Exit status: 0 ok, 1 the ILS refused, 69 the ILS could not be reached or did not answer, 78 config.
struct SIP2Command: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "sip2", abstract: "Talk to the ILS over SIP2 (login, status, items, patrons, loans).",
        subcommands: [Ping.self, Item.self, Patron.self, Checkout.self, Checkin.self])

    @OptionGroup var options: SIP2Options

    /// Prints the human lines, then (with --json) the JSON object last; maps errors to exit codes.
    static func run(
        _ o: SIP2Options,
        _ body:
            @escaping @Sendable (SIP2Client) async throws(SIP2ClientError) -> (ok: Bool, lines: [String], json: [(String, JSONOut.Value)])
    ) async throws {
        let client = try o.makeClient()
        let outcome: Result<(ok: Bool, lines: [String], json: [(String, JSONOut.Value)]), SIP2ClientError>
        do throws(SIP2ClientError) {
            outcome = .success(try await body(client))
        } catch {
            outcome = .failure(error)
        }
        await client.disconnect()
        switch outcome {
        case .success(let r):
            for l in r.lines { print(l) }
            if o.json { print(JSONOut.object([("ok", .bool(r.ok))] + r.json)) }
            if !r.ok { throw ExitCode(1) }
        case .failure(let e):
            printError("rfidgatectl sip2: \(e)")
            if o.json { print(JSONOut.object([("ok", .bool(false)), ("error", .string(e.description))])) }
            throw ExitCode(69)
        }
    }

    /// The JSON fields of an item-information answer (17/18), shared by `item` and by a
    /// checkout whose answer was lost and was settled by item information.
    static func itemJSON(_ r: ItemInformationResponse) -> [(String, JSONOut.Value)] {
        var json: [(String, JSONOut.Value)] = [
            ("item", .string(r.item)), ("title", .string(r.title)), ("circulation_status", .string(r.circulationStatusCode)),
        ]
        if let d = r.dueDate { json.append(("due_date", .string(d.text))) }
        return json
    }

    static func messages(_ m: [String]) -> [(String, JSONOut.Value)] {
        m.isEmpty ? [] : [("screen_message", .string(m.joined(separator: " / ")))]
    }

    struct Ping: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Log in and ask the ACS status (93, 99).")
        @ParentCommand var parent: SIP2Command
        @OptionGroup var own: SIP2Options
        var options: SIP2Options { own.merged(over: parent.options) }
        func run() async throws {
            try await SIP2Command.run(options) { c async throws(SIP2ClientError) in
                let start = ContinuousClock.now
                try await c.connect()
                let s = try await c.status()
                let ms = Int((ContinuousClock.now - start) / .milliseconds(1))
                let yn = { (b: Bool) in b ? "Y" : "N" }
                return (
                    true,
                    [
                        "login ok; ACS \(s.institution)\(s.libraryName.map { " (\($0))" } ?? ""): on-line \(yn(s.online)), checkout \(yn(s.checkoutOK)), checkin \(yn(s.checkinOK)), off-line ok \(yn(s.offlineOK))",
                        "timeout \(s.timeoutTenths.map { "\(Double($0) / 10) s" } ?? "unknown"), retries \(s.retriesAllowed.map(String.init) ?? "unknown"), ACS time \(s.dateTime?.description ?? "none"), \(ms) ms",
                    ],
                    [
                        ("online", .bool(s.online)), ("offline_ok", .bool(s.offlineOK)), ("checkout_ok", .bool(s.checkoutOK)),
                        ("checkin_ok", .bool(s.checkinOK)), ("institution", .string(s.institution)), ("round_trip_ms", .int(Int64(ms))),
                    ]
                        + messages(s.screenMessages)
                )
            }
        }
    }

    struct Item: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Item information (17).")
        @ParentCommand var parent: SIP2Command
        @OptionGroup var own: SIP2Options
        var options: SIP2Options { own.merged(over: parent.options) }
        @Argument(help: "Item barcode (AB).") var item: String
        func run() async throws {
            let item = self.item
            try await SIP2Command.run(options) { c async throws(SIP2ClientError) in
                let r = try await c.itemInformation(item)
                let known = r.circulationStatus != nil && r.circulationStatus != .other || !r.title.isEmpty
                let json = SIP2Command.itemJSON(r)
                return (
                    known,
                    [
                        "\(r.item): \(r.title.isEmpty ? "(no title)" : r.title)",
                        "circulation status \(r.circulationStatusCode)\(r.circulationStatus.map { " (\($0))" } ?? "")\(r.dueDate.map { ", due \($0.text)" } ?? "")",
                    ] + r.screenMessages,
                    json + messages(r.screenMessages)
                )
            }
        }
    }

    struct Patron: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Patron information (63): valid patron, name, blocks; the PIN check with --pin.")
        @ParentCommand var parent: SIP2Command
        @OptionGroup var own: SIP2Options
        var options: SIP2Options { own.merged(over: parent.options) }
        @Argument(help: "Patron barcode (AA).") var patron: String
        @Option(help: "Patron PIN (AD).") var pin: String?
        func run() async throws {
            let patron = self.patron, pin = self.pin
            try await SIP2Command.run(options) { c async throws(SIP2ClientError) in
                // 63 rather than 23: some servers (invenio) leave CQ out of 24.
                let r = try await c.patronInformation(patron, pin: pin)
                let valid = r.validPatron ?? false
                let pinOK = pin == nil ? true : r.validPassword == true
                var json: [(String, JSONOut.Value)] = [
                    ("patron", .string(r.patron)), ("name", .string(r.name)), ("valid_patron", .bool(valid)),
                ]
                if pin != nil { json.append(("valid_pin", .bool(r.validPassword == true))) }
                json.append(("blocked", .bool(r.status.blocksCheckout)))
                return (
                    valid && pinOK,
                    [
                        "\(r.patron): \(r.name.isEmpty ? "(no name)" : r.name); valid \(valid ? "Y" : "N")\(pin == nil ? "" : ", PIN \(r.validPassword == true ? "ok" : "wrong")")",
                        "status flags: \(r.status.set.isEmpty ? "none" : r.status.set.map { "\($0)" }.joined(separator: ", "))",
                    ] + r.screenMessages,
                    json + messages(r.screenMessages)
                )
            }
        }
    }

    struct Checkout: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Check an item out (11); after a lost answer asks item information before resending.")
        @ParentCommand var parent: SIP2Command
        @OptionGroup var own: SIP2Options
        var options: SIP2Options { own.merged(over: parent.options) }
        @Argument(help: "Patron barcode (AA).") var patron: String
        @Argument(help: "Item barcode (AB).") var item: String
        func run() async throws {
            let patron = self.patron, item = self.item
            try await SIP2Command.run(options) { c async throws(SIP2ClientError) in
                switch try await c.checkout(c.makeCheckout(patron: patron, item: item)) {
                case .answered(let r):
                    var json: [(String, JSONOut.Value)] = [
                        ("item", .string(r.item)), ("title", .string(r.title)), ("renewal", .bool(r.renewal)),
                    ]
                    if let d = r.dueDate { json.append(("due_date", .string(d.text))) }
                    if let d = r.desensitize { json.append(("desensitize", .bool(d))) }
                    return (
                        r.ok,
                        [
                            r.ok
                                ? "\(item) checked out to \(patron)\(r.renewal ? " (renewal)" : ""): \(r.title)\(r.dueDate.map { ", due \($0.text)" } ?? "")"
                                : "\(item) NOT checked out"
                        ] + r.screenMessages,
                        json + messages(r.screenMessages)
                    )
                case .confirmedCharged(let i):
                    return (true, ["\(item): answer lost, item information shows it charged (not sent twice)"], SIP2Command.itemJSON(i))
                }
            }
        }
    }

    struct Checkin: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Check an item in (09).")
        @ParentCommand var parent: SIP2Command
        @OptionGroup var own: SIP2Options
        var options: SIP2Options { own.merged(over: parent.options) }
        @Argument(help: "Item barcode (AB).") var item: String
        func run() async throws {
            let item = self.item
            try await SIP2Command.run(options) { c async throws(SIP2ClientError) in
                switch try await c.checkin(c.makeCheckin(item: item)) {
                case .answered(let r):
                    var json: [(String, JSONOut.Value)] = [
                        ("item", .string(r.item)), ("title", .string(r.title ?? "")), ("alert", .bool(r.alert)),
                    ]
                    if let d = r.resensitize { json.append(("resensitize", .bool(d))) }
                    return (
                        r.ok,
                        [r.ok ? "\(item) checked in\(r.alert ? " (ALERT: put aside)" : "")" : "\(item) NOT checked in"] + r.screenMessages,
                        json + messages(r.screenMessages)
                    )
                case .confirmedNotCharged(let i):
                    return (
                        true, ["\(item): answer lost, item information shows it no longer charged"],
                        [("item", .string(i.item)), ("title", .string(i.title)), ("circulation_status", .string(i.circulationStatusCode))]
                    )
                }
            }
        }
    }
}
