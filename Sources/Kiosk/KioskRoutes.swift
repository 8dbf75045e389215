import HTTPTypes
import Hummingbird
import ISO28560
import KioskCore
import Logging
import NIOCore

/// The API of `openapi.json` and the pages. Request bodies are read up to 16 KiB and checked
/// strictly; a PIN is never logged (nothing here logs bodies).
struct KioskRoutes {
    let screen: KioskServer.Screen
    let logger: Logger

    struct Health: Encodable {
        let role: String
        let version: String
        let simulated: Bool
    }

    func add(to router: Router<BasicRequestContext>) {
        let screen = screen
        router.get("/api/health") { _, _ in
            switch screen {
            case .station(let s, _): KioskResponse.json(Health(role: "station", version: KioskVersion.string, simulated: s.simulated))
            case .gate: KioskResponse.json(Health(role: "gate", version: KioskVersion.string, simulated: false))
            }
        }
        router.get("/api/openapi.json") { _, _ in asset("openapi.json") }
        router.get("/") { _, _ in
            if case .gate = screen { return asset("gate.html") }
            return asset("station.html")
        }
        router.get("/station") { _, _ in asset("station.html") }
        router.get("/gate") { _, _ in asset("gate.html") }
        router.get("/assets/{name}") { _, context in
            asset(context.parameters.get("name") ?? "")
        }
        switch screen {
        case .station(let s, let sim):
            StationRoutes(screen: s).add(to: router)
            SimRoutes(sim: sim).add(to: router)
            router.get("/api/gate") { _, _ in notHere("not a gate") }
            router.get("/api/gate/events") { _, _ in notHere("not a gate") }
        case .gate(let g):
            router.get("/api/gate") { _, _ in KioskResponse.json(g.view) }
            router.get("/api/gate/events") { _, _ in notWebSocket() }
            StationRoutes.notAStation(router)
            SimRoutes(sim: nil).add(to: router)
        }
    }
}

func asset(_ name: String) -> Response {
    guard let a = EmbeddedAssets.files[name] else { return KioskResponse.error(.notFound, code: "not-found", "no such page or file") }
    return KioskResponse.text(a.body, type: a.type)
}

func notHere(_ why: String) -> Response { KioskResponse.error(.notFound, code: "not-here", why) }

func notWebSocket() -> Response {
    KioskResponse.error(.badRequest, code: "not-websocket", "this address is a WebSocket: open it with an Upgrade request")
}

enum Parsed {
    case ok(RequestBody)
    case refused(Response)
}

/// Reads a request body of at most 16 KiB, as JSON.
func body(_ request: Request, required: Set<String>, optional: Set<String> = []) async throws -> Parsed {
    if let type = request.headers[.contentType], !type.lowercased().hasPrefix("application/json") {
        return .refused(KioskResponse.error(.unsupportedMediaType, code: "not-json", "send the body as application/json"))
    }
    let buffer: ByteBuffer
    do { buffer = try await request.body.collect(upTo: KioskSettings.maxBody) } catch {
        return .refused(KioskResponse.error(.contentTooLarge, code: "too-large", "the body is too large (at most 16 KiB)"))
    }
    do {
        return .ok(try RequestBody(Array(buffer.readableBytesView), required: required, optional: optional))
    } catch {
        return .refused(KioskResponse.error(.badRequest, code: "bad-body", error.why))
    }
}

/// Drains and checks that a call that takes no body got none larger than the limit.
func noBody(_ request: Request) async -> Response? {
    do { _ = try await request.body.collect(upTo: KioskSettings.maxBody) } catch {
        return KioskResponse.error(.contentTooLarge, code: "too-large", "the body is too large (at most 16 KiB)")
    }
    return nil
}

struct StationRoutes {
    let screen: StationScreen

    func add(to router: Router<BasicRequestContext>) {
        let s = screen
        router.get("/api/station") { _, _ in KioskResponse.json(await s.refresh()) }
        router.get("/api/station/events") { _, _ in notWebSocket() }
        router.post("/api/station/card") { request, _ in
            switch try await body(request, required: ["card"]) {
            case .refused(let r): return r
            case .ok(let b):
                do {
                    guard let card = try b.string("card", length: 1...64) else {
                        throw RequestBody.Invalid(why: "card")
                    }
                    return KioskResponse.json(await s.card(card))
                } catch { return KioskResponse.error(.badRequest, code: "bad-body", error.why) }
            }
        }
        router.post("/api/station/pin") { request, _ in
            switch try await body(request, required: ["pin"]) {
            case .refused(let r): return r
            case .ok(let b):
                let pin: String
                do {
                    guard let p = try b.string("pin", length: 1...32) else {
                        throw RequestBody.Invalid(why: "pin")
                    }
                    pin = p
                } catch { return KioskResponse.error(.badRequest, code: "bad-body", error.why) }
                return await Self.act { () async throws(StationScreen.ActionError) in try await s.pin(pin) }
            }
        }
        router.post("/api/station/checkout") { request, _ in
            if let r = await noBody(request) { return r }
            return await Self.act { () async throws(StationScreen.ActionError) in try await s.checkout() }
        }
        router.post("/api/station/checkin") { request, _ in
            if let r = await noBody(request) { return r }
            return await Self.act { () async throws(StationScreen.ActionError) in try await s.checkin() }
        }
        router.post("/api/station/end") { request, _ in
            if let r = await noBody(request) { return r }
            return KioskResponse.json(await s.end())
        }
        router.post("/api/station/activity") { request, _ in
            if let r = await noBody(request) { return r }
            return KioskResponse.json(await s.activity())
        }
        router.post("/api/station/language") { request, _ in
            switch try await body(request, required: ["language"]) {
            case .refused(let r): return r
            case .ok(let b):
                guard let raw = try? b.string("language", length: 1...8), let l = KioskLanguage(rawValue: raw) else {
                    return KioskResponse.error(.badRequest, code: "bad-body", "language must be \"zh\" or \"en\"")
                }
                return KioskResponse.json(await s.setLanguage(l))
            }
        }
        router.get("/api/station/receipt") { request, _ in
            let format = request.uri.queryParameters["format"].map(String.init) ?? "json"
            let langRaw = request.uri.queryParameters["language"].map(String.init)
            guard ["json", "text"].contains(format) else {
                return KioskResponse.error(.badRequest, code: "bad-query", "format must be json or text")
            }
            var lang: KioskLanguage?
            if let langRaw {
                guard let l = KioskLanguage(rawValue: langRaw) else {
                    return KioskResponse.error(.badRequest, code: "bad-query", "language must be zh or en")
                }
                lang = l
            }
            do throws(StationScreen.ActionError) {
                let r = try await s.receipt(language: lang)
                return format == "text"
                    ? KioskResponse.text(r.view.text + "\n", type: "text/plain; charset=utf-8") : KioskResponse.json(r.view)
            } catch { return Self.response(error) }
        }
        router.post("/api/station/receipt/print") { request, _ in
            if let r = await noBody(request) { return r }
            do throws(StationScreen.ActionError) {
                let m = try await s.print()
                return KioskResponse.json(PrintResult(printed: true, message: m))
            } catch { return Self.response(error) }
        }
    }

    struct PrintResult: Encodable {
        let printed: Bool
        let message: KioskMessage
    }

    static func act(_ step: () async throws(StationScreen.ActionError) -> StationView) async -> Response {
        do { return KioskResponse.json(try await step()) } catch { return response(error) }
    }

    static func response(_ e: StationScreen.ActionError) -> Response {
        switch e {
        case .conflict(let m): KioskResponse.error(.conflict, m)
        case .notFound(let why): KioskResponse.error(.notFound, code: "not-found", why)
        case .unavailable(let m): KioskResponse.error(.conflict, m)
        }
    }

    /// On a gate, the station's calls answer 404 (as the document says).
    static func notAStation(_ router: Router<BasicRequestContext>) {
        for path in ["/api/station", "/api/station/events", "/api/station/receipt"] {
            router.get(RouterPath(stringLiteral: path)) { _, _ in notHere("not a station") }
        }
        for path in [
            "/api/station/card", "/api/station/pin", "/api/station/checkout", "/api/station/checkin", "/api/station/end",
            "/api/station/activity", "/api/station/language", "/api/station/receipt/print",
        ] {
            router.post(RouterPath(stringLiteral: path)) { _, _ in notHere("not a station") }
        }
    }
}

extension Error {
    var why: String { (self as? RequestBody.Invalid)?.why ?? "the body does not fit the API" }
}

struct SimRoutes {
    let sim: (any PadSimulating)?

    /// Item ids a simulated tag may carry (the API document's pattern).
    static func idChar(_ u: Unicode.Scalar) -> Bool {
        (u.value >= 0x30 && u.value <= 0x39) || (u.value >= 0x41 && u.value <= 0x5A) || (u.value >= 0x61 && u.value <= 0x7A) || u == "."
            || u == "_"
            || u == "-"
    }

    func add(to router: Router<BasicRequestContext>) {
        guard let sim else {
            for m in [HTTPRequest.Method.get] {
                for p in ["/api/sim/catalog", "/api/sim/tags"] {
                    router.on(RouterPath(stringLiteral: p), method: m) { _, _ in notHere("not a simulated station") }
                }
            }
            router.post("/api/sim/pad") { _, _ in notHere("not a simulated station") }
            router.delete("/api/sim/pad") { _, _ in notHere("not a simulated station") }
            return
        }
        router.get("/api/sim/catalog") { _, _ in KioskResponse.json(sim.catalog()) }
        router.get("/api/sim/tags") { _, _ in KioskResponse.json(sim.tags()) }
        router.delete("/api/sim/pad") { _, _ in KioskResponse.json(await sim.clear()) }
        router.post("/api/sim/pad") { request, _ in
            switch try await body(request, required: ["items"]) {
            case .refused(let r): return r
            case .ok(let b):
                let items: [SimItem]
                do { items = try Self.items(b) } catch { return KioskResponse.error(.badRequest, code: "bad-body", error.why) }
                do { return KioskResponse.json(try await sim.lay(items)) } catch {
                    return KioskResponse.error(.conflict, code: "sim-conflict", SafeText.display("\(error)"))
                }
            }
        }
    }

    static func items(_ b: RequestBody) throws(RequestBody.Invalid) -> [SimItem] {
        guard let list = try b.array("items", count: 1...50) else { throw RequestBody.Invalid(why: "items") }
        var out: [SimItem] = []
        for v in list {
            let e = try RequestBody(value: v, required: ["item"], optional: ["parts", "missing", "for_loan", "patron_card", "title"])
            var item = SimItem(item: try e.string("item", length: 1...32, allowed: idChar) ?? "")
            item.parts = try e.int("parts", range: 1...20) ?? 1
            if let missing = try e.array("missing", count: 0...20) {
                item.missing = try missing.map { m throws(RequestBody.Invalid) in
                    guard case .int(let i) = m, (1...20).contains(i) else {
                        throw RequestBody.Invalid(why: "missing must list part numbers 1...20")
                    }
                    return i
                }
            }
            item.forLoan = try e.bool("for_loan") ?? true
            item.patronCard = try e.bool("patron_card") ?? false
            item.title = try e.string("title", length: 0...100)
            out.append(item)
        }
        return out
    }
}

enum KioskVersion {
    static let string = "1.0.0"
}
