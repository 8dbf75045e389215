import Synchronization
import Threads

/// One libusb context for the whole process, with the one thread that runs libusb's event loop
/// (every transfer completion and hotplug callback happens there), the hotplug dispatch to
/// waiting readers, and the list of devices this process has claimed (so two readers
/// configured alike never fight over one device).
public final class USBContext: @unchecked Sendable {
    public let api: any LibUSBAPI
    private let stopFlag = Atomic<Bool>(false)
    private var thread: OSThread?
    private let lock = Mutex(())
    private var watchers: [Int: Watcher] = [:]
    private var nextWatcher = 0
    private var claimed: Set<UInt16> = []
    /// Hotplug events seen (tests and `rfidgatectl readers` diagnostics).
    public let hotplugArrivals = Atomic<Int>(0)
    public let hotplugDepartures = Atomic<Int>(0)
    public private(set) var hotplugActive = false

    struct Watcher {
        let matches: @Sendable (USBDeviceInfo) -> Bool
        let signal: ReattachSignal
    }

    /// Starts the event thread and registers for hotplug (when libusb offers it).
    public init(api: any LibUSBAPI) {
        self.api = api
        if api.hasHotplug {
            let rc = api.registerHotplug { [weak self] event, info in self?.hotplug(event, info) }
            hotplugActive = rc == .success
        }
        thread = OSThread(name: "usb-events") { [self] in
            while !stopFlag.load(ordering: .acquiring) {
                // 100 ms: stop() is honoured quickly even when interrupt is not delivered.
                _ = api.handleEvents(timeoutMicros: 100_000)
            }
        }
    }

    /// The real libusb. Fails when libusb cannot start (no USB support in this kernel/container).
    public static func system() throws(TransportError) -> USBContext {
        switch SystemLibUSB.make() {
        case .success(let api): return USBContext(api: api)
        case .failure(let code): throw .io("libusb_init failed (\(code)): no USB support on this machine?")
        }
    }

    /// Stops the event thread. Close every transport first.
    public func shutdown() {
        guard !stopFlag.exchange(true, ordering: .acquiringAndReleasing) else { return }
        api.interruptEventHandler()
        thread?.join()
        thread = nil
    }

    deinit { shutdown() }

    private func hotplug(_ event: USBHotplugEvent, _ info: USBDeviceInfo) {
        switch event {
        case .arrived:
            hotplugArrivals.add(1, ordering: .relaxed)
            let signals = lock.withLock { _ in watchers.values.filter { $0.matches(info) }.map(\.signal) }
            for s in signals { s.post() }
        case .left:
            hotplugDepartures.add(1, ordering: .relaxed)
        }
    }

    /// Posts `signal` whenever a device matching `matches` arrives. Returns a token for `unwatch`.
    @discardableResult
    public func watch(_ signal: ReattachSignal, matching matches: @escaping @Sendable (USBDeviceInfo) -> Bool) -> Int {
        lock.withLock { _ in
            nextWatcher += 1
            watchers[nextWatcher] = Watcher(matches: matches, signal: signal)
            return nextWatcher
        }
    }

    public func unwatch(_ token: Int) { _ = lock.withLock { _ in watchers.removeValue(forKey: token) } }

    func isClaimed(_ d: USBDeviceInfo) -> Bool { lock.withLock { _ in claimed.contains(key(d)) } }
    func markClaimed(_ d: USBDeviceInfo, _ on: Bool) {
        lock.withLock { _ in if on { claimed.insert(key(d)) } else { claimed.remove(key(d)) } }
    }
    private func key(_ d: USBDeviceInfo) -> UInt16 { UInt16(d.bus) << 8 | UInt16(d.address) }
}
