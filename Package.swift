// swift-tools-version:6.1
// RFIDGate: library RFID security gate and self-checkout daemon.
// Module map: ARCHITECTURE.md. Pure cores (ISO28560, TagRing, ReaderProtocols, SIP2,
// CirculationModel) have no I/O; thin I/O edges (libusb, systemd, SQLite) live in exactly one
// module each.
import PackageDescription

let package = Package(
    name: "RFIDGate",
    platforms: [.macOS(.v15)],
    products: [
        .executable(name: "rfidgated", targets: ["rfidgated"]),
        .executable(name: "rfidgatectl", targets: ["rfidgatectl"]),
        .executable(name: "rfidgate-bench", targets: ["rfidgate-bench"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
        .package(url: "https://github.com/apple/swift-log", from: "1.16.2"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle", from: "2.13.0"),
        .package(url: "https://github.com/LebJe/TOMLKit", from: "0.6.0"),
        // SIP2 upstream sync (issue 6): NIO client with TLS, GRDB outbox on the system SQLite.
        .package(url: "https://github.com/apple/swift-nio", from: "2.101.2"),
        .package(url: "https://github.com/apple/swift-nio-ssl", from: "2.37.6"),
        .package(url: "https://github.com/groue/GRDB.swift", from: "7.10.0"),
        // The kiosk's local HTTP API and pages (issue 13).
        .package(url: "https://github.com/hummingbird-project/hummingbird", from: "2.28.1"),
        .package(url: "https://github.com/hummingbird-project/hummingbird-websocket", from: "2.8.1"),
    ],
    targets: [
        // C libraries from Debian, each imported by exactly one Swift module.
        .systemLibrary(
            name: "CLibUSB", pkgConfig: "libusb-1.0",
            providers: [.apt(["libusb-1.0-0-dev"])]),
        .systemLibrary(
            name: "CSystemd", pkgConfig: "libsystemd",
            providers: [.apt(["libsystemd-dev"])]),

        // Pure core: ISO 28560 data model codecs. No I/O, no Foundation.
        .target(name: "ISO28560"),
        // Pure core: the lock-free ring between reader threads and the decode thread.
        .target(name: "TagRing"),
        // The one OS-thread wrapper, the condition variable and sleeps: for loops that block or
        // spin and so must never run on the cooperative pool.
        .target(name: "Threads"),
        // Pure reader protocol codecs (FEIG frames and commands, LLRP messages, DCTTECH relay
        // reports): no I/O, what the fuzzers target. Like NIOCore.
        .target(name: "ReaderProtocols"),
        // Transports (libusb with hotplug, TCP) and drivers (FEIG, LLRP, USB relay) with their
        // capabilities (inventory, digital I/O, tag writing). Like NIOPosix.
        .target(name: "Readers", dependencies: ["CLibUSB", "TagRing", "ReaderProtocols", "Threads"]),
        // Wire-level emulators and fault injectors (FEIG emulator, emulated libusb, faulty
        // libusb, TCP emulator server): for simulation, tests and benchmarks. Like NIOEmbedded;
        // Readers does not depend on it.
        .target(name: "ReaderEmulators", dependencies: ["Readers", "ReaderProtocols", "TagRing", "Threads"]),
        // Role-agnostic reader hub: reader threads, rings, doorbell, command mailboxes, beam
        // inputs, building drivers from their specs. Feeds the gate's pipeline and the station.
        .target(name: "ReaderHub", dependencies: ["Readers", "ReaderEmulators", "TagRing", "Threads"]),
        // Circulation model, no I/O: cache entries, loan states, keys, the gate's in-memory
        // hot-path index and the store's value types. What the gate needs, without SQLite.
        .target(name: "CirculationModel", dependencies: ["ISO28560"]),
        // Circulation store: the one owner of the SQLite file (items, hot list, gate keys, event
        // log, visitor counts, SIP2 outbox, imports); its connection pool is private. CSV imports.
        .target(
            name: "Circulation",
            dependencies: [
                "CirculationModel", "ISO28560",
                .product(name: "GRDB", package: "GRDB.swift"),
                .product(name: "GRDBSQLite", package: "GRDB.swift"),
            ]),
        // Pipeline, dedupe, policy, alarms and the simulated gate scenario.
        .target(
            name: "Gate",
            dependencies: ["TagRing", "ReaderHub", "Readers", "ReaderEmulators", "Threads", "ISO28560", "CirculationModel"]),
        // The configuration file: the model (GateConfig), one TOML parser per section, state paths.
        // Shared by rfidgated and rfidgatectl.
        .target(
            name: "RFIDGateConfig",
            dependencies: [
                "Gate", "ReaderHub", "TagRing", "ISO28560", "SIP2", "SIP2Client",
                .product(name: "TOMLKit", package: "TOMLKit"),
            ]),
        // The control-socket protocol: socket path, status report schema, the one JSON coding path.
        // All that rfidgatectl shares with the running daemon.
        .target(name: "ControlProtocol", dependencies: ["RFIDGateConfig", "ISO28560"]),
        // Service wiring, status output, systemd integration.
        .target(
            name: "Daemon",
            dependencies: [
                "RFIDGateConfig", "ControlProtocol",
                "Gate", "ReaderHub", "Readers", "ReaderEmulators", "Threads", "TagRing", "CSystemd", "Circulation", "ISO28560", "SIP2",
                "SIP2Client", "SIP2Sync", "Station", "StationCore", "ILSSimulator", "Kiosk", "KioskCore",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "UnixSignals", package: "swift-service-lifecycle"),
            ]),

        // SIP2 (issue 6). Pure codec: stdlib only, no I/O, no Foundation.
        .target(name: "SIP2"),
        // SIP2 client over TCP/TLS (SwiftNIO): login, status, keepalive, timeouts, 96/97, reconnect.
        .target(
            name: "SIP2Client",
            dependencies: [
                "SIP2",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOConcurrencyHelpers", package: "swift-nio"),
                .product(name: "NIOTLS", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
                .product(name: "Logging", package: "swift-log"),
            ]),
        // Simulated ILS (SIP2 over loopback TCP): the station's embedded ILS, benches, tests; an I/O edge.
        .target(
            name: "ILSSimulator",
            dependencies: [
                "SIP2",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
            ]),
        // Durable offline outbox (typed calls on the Circulation store) + the replay service +
        // offline policy.
        .target(
            name: "SIP2Sync",
            dependencies: [
                "SIP2", "SIP2Client", "Circulation", "CirculationModel",
                .product(name: "Logging", package: "swift-log"),
            ]),

        // Self-checkout station, pure core: pad tracking, patron sessions, item plans, the
        // journal's phases and reconciliation rules, offline limits, receipts. No I/O.
        .target(name: "StationCore", dependencies: ["ISO28560", "SIP2"]),
        // Self-checkout station, I/O edge: the pad reader (the hub's consumer), the SIP2
        // connection pool, verified tag writes, the desk (the API the kiosk calls), the journal
        // through the store, crash reconciliation.
        .target(
            name: "Station",
            dependencies: [
                "StationCore", "ReaderHub", "Readers", "TagRing", "Threads", "ISO28560", "Circulation", "CirculationModel", "SIP2",
                "SIP2Client", .product(name: "Logging", package: "swift-log"),
            ]),

        // The kiosk's pure core: the screens' view models, the zh/en message catalogue, the
        // ESC/POS receipt encoder, the spoken prompts. No I/O.
        .target(name: "KioskCore", dependencies: ["StationCore", "ISO28560", "SIP2"]),
        // The kiosk's I/O edge: the local HTTP API and pages (Hummingbird, WebSocket), the
        // embedded assets and OpenAPI document, speech through espeak-ng, the receipt printer.
        .target(
            name: "Kiosk",
            dependencies: [
                "KioskCore", "Station", "StationCore", "ISO28560", "Readers",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HummingbirdWebSocket", package: "hummingbird-websocket"),
                .product(name: "Logging", package: "swift-log"),
            ],
            exclude: ["Assets", "openapi.json"],
            plugins: ["EmbedKioskAssets"]),
        // Build-time tool and plugin: the pages and the OpenAPI document compiled into Kiosk.
        .executableTarget(name: "KioskAssetEmbedder"),
        .plugin(name: "EmbedKioskAssets", capability: .buildTool(), dependencies: ["KioskAssetEmbedder"]),

        // Thin executables.
        .executableTarget(
            name: "rfidgated",
            dependencies: ["Daemon", .product(name: "ArgumentParser", package: "swift-argument-parser")]),
        .executableTarget(
            name: "rfidgatectl",
            dependencies: [
                "RFIDGateConfig", "ControlProtocol", "Gate", "TagRing", "ISO28560", "ReaderHub", "Readers", "ReaderProtocols",
                "Circulation",
                "SIP2", "SIP2Client", "SIP2Sync",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ]),
        .executableTarget(
            name: "rfidgate-bench",
            dependencies: [
                "Gate", "TagRing", "ReaderHub", "Readers", "ReaderProtocols", "ReaderEmulators", "Threads", "ISO28560",
                "Circulation", "SIP2", "SIP2Client", "SIP2Sync", "Station", "StationCore", "ILSSimulator",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Logging", package: "swift-log"),
            ],
            path: "Benchmarks/rfidgate-bench",
            swiftSettings: [.unsafeFlags(["-enforce-exclusivity=unchecked"])]),

        .testTarget(name: "TagRingTests", dependencies: ["TagRing"]),
        .testTarget(name: "ISO28560Tests", dependencies: ["ISO28560"], resources: [.copy("Fixtures")]),
        .testTarget(
            name: "ReadersTests", dependencies: ["Readers", "ReaderProtocols", "ReaderEmulators", "TagRing", "Threads"],
            exclude: ["Fixtures"]),  // read by path: umockdev runs them
        .testTarget(
            name: "GateTests",
            dependencies: [
                "Gate", "ReaderHub", "Readers", "ReaderProtocols", "ReaderEmulators", "Threads", "TagRing", "ISO28560",
                "CirculationModel",
            ]),
        .testTarget(name: "ControlProtocolTests", dependencies: ["ControlProtocol", "ISO28560"]),
        .testTarget(name: "RFIDGateConfigTests", dependencies: ["RFIDGateConfig", "Gate", "ISO28560"]),
        .testTarget(
            name: "DaemonTests",
            dependencies: [
                "Daemon", "RFIDGateConfig", "ControlProtocol", "Circulation", "ReaderHub", "Readers", "ReaderEmulators", "Threads",
                .product(name: "GRDB", package: "GRDB.swift"),
            ]),
        .testTarget(name: "CirculationTests", dependencies: ["Circulation", "CirculationModel", "ISO28560"]),
        // The outbox and offline policy on a real store file; no SIP2 peers needed.
        .testTarget(
            name: "SIP2SyncTests",
            dependencies: ["SIP2", "SIP2Sync", "Circulation", .product(name: "GRDB", package: "GRDB.swift")]),
        .testTarget(name: "StationCoreTests", dependencies: ["StationCore", "ISO28560", "SIP2"]),
        // The station's desk end to end on real parts: a temp store, a simulated pad behind the
        // reader hub, the simulated ILS over loopback; no mocks.
        .testTarget(
            name: "StationTests",
            dependencies: [
                "Station", "StationCore", "ILSSimulator", "ReaderHub", "Readers", "ReaderEmulators", "Circulation", "CirculationModel",
                "ISO28560", "SIP2", "SIP2Client", "TagRing", "Threads", .product(name: "Logging", package: "swift-log"),
            ]),
        .testTarget(
            name: "KioskCoreTests", dependencies: ["KioskCore", "StationCore", "ISO28560", "SIP2"], resources: [.copy("Fixtures")]),
        // The kiosk's I/O edge on real tools: speech through espeak-ng into WAV files.
        .testTarget(
            name: "KioskTests",
            dependencies: [
                "Kiosk", "KioskCore", "StationCore", .product(name: "Logging", package: "swift-log"),
                .product(name: "HummingbirdWSClient", package: "hummingbird-websocket"),
            ]),
        .testTarget(name: "SIP2Tests", dependencies: ["SIP2"], resources: [.copy("Fixtures")]),
        // The exchange state machine (no I/O) and the channel handler on NIOEmbedded: no peers needed.
        .testTarget(
            name: "SIP2ClientTests",
            dependencies: [
                "SIP2", "SIP2Client",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOConcurrencyHelpers", package: "swift-nio"),
                .product(name: "NIOEmbedded", package: "swift-nio"),
                .product(name: "Logging", package: "swift-log"),
            ]),
        // The simulated ILS driven by the real SIP2Client over loopback.
        .testTarget(name: "ILSSimulatorTests", dependencies: ["ILSSimulator", "SIP2", "SIP2Client"]),
        .testTarget(
            name: "SIP2IntegrationTests",
            dependencies: [
                "SIP2", "SIP2Client", "SIP2Sync", "Circulation", "CirculationModel",
                // The station end to end (StationPeerTests, StationKillTests): the desk, its pad on
                // an emulated reader, tags built like the simulation's.
                "Station", "StationCore", "ReaderHub", "ReaderEmulators", "ISO28560", "TagRing",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
                .product(name: "GRDB", package: "GRDB.swift"),
                .product(name: "Logging", package: "swift-log"),
            ],
            exclude: ["Peers", "Browser"]),
    ]
)
