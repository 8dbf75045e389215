import Kiosk
import KioskCore
import Logging
import RFIDGateConfig
import ServiceLifecycle

extension KioskSettings {
    init(_ k: KioskConfig) {
        let listen: Listen =
            if let t = k.tcp { .tcp(host: t.host, port: t.port) } else { .unix(path: k.unixSocket ?? "/run/rfidgate/kiosk.sock") }
        let printer: Printer =
            k.printer == "usb" ? .usb(vendor: k.printerVendor.map { UInt16($0) }, product: k.printerProduct.map { UInt16($0) }) : .none
        self.init(
            listen: listen, allowedHosts: k.allowedHosts, language: KioskLanguage(rawValue: k.language) ?? .zh, speech: k.speech,
            speechWAVDirectory: k.speechWAVDirectory, printer: printer)
    }
}

/// The kiosk's server(s) for either role: TCP and, when configured, a Unix socket too. A
/// server that cannot listen is logged and left off: the gate keeps alarming and the station
/// keeps its desk without a screen.
struct KioskService: Service {
    let config: KioskConfig
    let screen: KioskServer.Screen
    let logger: Logger
    /// The station screen's follower (none for a gate).
    let follow: (@Sendable () async -> Void)?

    func run() async throws {
        var settings = [KioskSettings]()
        let base = KioskSettings(config)
        if config.tcp != nil { settings.append(base) }
        if let path = config.unixSocket {
            var s = base
            s.listen = .unix(path: path)
            settings.append(s)
        }
        let logger = logger
        await withDiscardingTaskGroup { group in
            for s in settings {
                group.addTask {
                    let server = KioskServer(
                        settings: s, screen: screen, logger: logger,
                        onListening: { address in
                            writeLine("rfidgated: screen at \(address)")
                            logger.notice("kiosk screen at \(address)")
                        })
                    do { try await server.run() } catch {
                        logger.error("kiosk: cannot serve the screen on \(s.listen): \(error); the screen is off")
                    }
                }
            }
            if let follow {
                group.addTask { try? await cancelWhenGracefulShutdown { await follow() } }
            }
        }
    }
}
