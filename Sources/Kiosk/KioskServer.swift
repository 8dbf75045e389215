import HTTPTypes
import Hummingbird
import HummingbirdWebSocket
import KioskCore
import Logging
import NIOCore
import ServiceLifecycle

/// The kiosk's local HTTP server: the pages, the API of `openapi.json`, and the live views
/// over WebSocket. One per daemon; the station's or the gate's screen behind it.
public struct KioskServer: Service {
    public enum Screen: Sendable {
        case station(StationScreen, simulation: (any PadSimulating)?)
        case gate(GateScreen)
    }

    let settings: KioskSettings
    let screen: Screen
    let logger: Logger
    let onListening: @Sendable (String) -> Void

    /// `onListening` gets the page's address once the socket is bound ("http://127.0.0.1:8560/"
    /// or "unix:/run/rfidgate/kiosk.sock").
    public init(settings: KioskSettings, screen: Screen, logger: Logger, onListening: @escaping @Sendable (String) -> Void = { _ in }) {
        self.settings = settings
        self.screen = screen
        self.logger = logger
        self.onListening = onListening
    }

    public func run() async throws {
        let router = Router()
        router.add(
            middleware: KioskGuard(allowedHosts: Set(settings.allowedHosts.map { $0.lowercased() }), methods: OpenAPIDocument.methods))
        KioskRoutes(screen: screen, logger: logger).add(to: router)
        let address: BindAddress
        let shown: @Sendable (Int) -> String
        switch settings.listen {
        case .tcp(let host, let port):
            address = .hostname(host, port: port)
            shown = { port in "http://\(host.contains(":") ? "[\(host)]" : host):\(port)/" }
        case .unix(let path):
            address = .unixDomainSocket(path: path)
            shown = { _ in "unix:\(path)" }
        }
        let screen = screen
        let allowed = Set(settings.allowedHosts.map { $0.lowercased() })
        let onListening = onListening
        var wsConfig = WebSocketServerConfiguration()
        wsConfig.maxFrameSize = 4096
        let app = Application(
            router: router,
            server: .http1WebSocketUpgrade(configuration: .init(ws: wsConfig)) {
                request, _, _ in
                try KioskSockets.upgrade(request, screen: screen, allowedHosts: allowed)
            },
            configuration: .init(address: address, serverName: nil),
            onServerRunning: { channel in onListening(shown(channel.localAddress?.port ?? 0)) },
            logger: logger)
        try await app.run()
    }
}

/// The live views: a page opens `/api/station/events` (or `/api/gate/events`) and gets the
/// whole view at once, then again on every change. Only this box's pages may connect.
enum KioskSockets {
    static func upgrade(
        _ request: HTTPRequest, screen: KioskServer.Screen, allowedHosts: Set<String>
    ) throws
        -> ShouldUpgradeResult<WebSocketDataHandler<HTTP1WebSocketUpgradeChannel.Context>>
    {
        let path = request.path?.split(separator: "?", maxSplits: 1).first.map(String.init) ?? ""
        if let host = request.authority, !KioskGuard<BasicRequestContext>.hostAllowed(host, allowed: allowedHosts) {
            return .dontUpgrade
        }
        // Browsers always send Origin on WebSocket requests: a page of another site is refused.
        if let origin = request.headerFields[.origin], !KioskGuard<BasicRequestContext>.originAllowed(origin, allowed: allowedHosts) {
            return .dontUpgrade
        }
        // A malformed handshake is answered by the router (400) instead of a closed connection.
        let key = request.headerFields[HTTPField.Name("Sec-WebSocket-Key")!] ?? ""
        guard key.utf8.count == 24, key.hasSuffix("=="), request.headerFields[HTTPField.Name("Sec-WebSocket-Version")!] == "13" else {
            return .dontUpgrade
        }
        switch (path, screen) {
        case ("/api/station/events", .station(let s, _)):
            return .upgrade([:]) { inbound, outbound, _ in
                let updates = s.broadcast.subscribe()
                try await outbound.write(.text(try KioskJSON.encode(await s.refresh())))
                try await pump(updates, inbound: inbound, outbound: outbound)
            }
        case ("/api/gate/events", .gate(let g)):
            return .upgrade([:]) { inbound, outbound, _ in
                let updates = g.broadcast.subscribe()
                try await outbound.write(.text(try KioskJSON.encode(g.view)))
                try await pump(updates, inbound: inbound, outbound: outbound)
            }
        default:
            return .dontUpgrade
        }
    }

    /// Sends every view until the page goes away; what the page sends is read and dropped (the
    /// API's calls are HTTP requests, never socket messages).
    static func pump(_ updates: AsyncStream<String>, inbound: WebSocketInboundStream, outbound: WebSocketOutboundWriter) async throws {
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask {
                for await text in updates { try await outbound.write(.text(text)) }
            }
            group.addTask {
                for try await _ in inbound {}
            }
            _ = try await group.next()
            group.cancelAll()
        }
    }
}
