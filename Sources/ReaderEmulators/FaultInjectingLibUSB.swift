import Readers
import Synchronization

/// Wraps any `LibUSBAPI` (real libusb under umockdev, or the emulator) and makes chosen calls
/// fail once with a chosen libusb code, so error paths of the real backend are testable
/// without a device that misbehaves on cue.
public final class FaultInjectingLibUSB: LibUSBAPI, @unchecked Sendable {
    public enum Call: Hashable, Sendable { case deviceList, open, kernelDriverActive, claim, submit }
    public let inner: any LibUSBAPI
    private let lock = Mutex(())
    private var faults: [Call: LibUSBCode] = [:]

    public init(_ inner: any LibUSBAPI) { self.inner = inner }

    public func failNext(_ call: Call, with code: LibUSBCode) { lock.withLock { _ in faults[call] = code } }
    private func fault(_ call: Call) -> LibUSBCode? { lock.withLock { _ in faults.removeValue(forKey: call) } }

    public var hasHotplug: Bool { inner.hasHotplug }
    public func deviceList() -> Result<[USBDeviceInfo], LibUSBCode> {
        if let f = fault(.deviceList) { return .failure(f) }
        return inner.deviceList()
    }
    public func open(bus: UInt8, address: UInt8) -> Result<USBHandle, LibUSBCode> {
        if let f = fault(.open) { return .failure(f) }
        return inner.open(bus: bus, address: address)
    }
    public func close(_ handle: USBHandle) { inner.close(handle) }
    public func kernelDriverActive(_ handle: USBHandle, interface: Int32) -> Int32 {
        if let f = fault(.kernelDriverActive) { return f.rawValue }
        return inner.kernelDriverActive(handle, interface: interface)
    }
    public func detachKernelDriver(_ handle: USBHandle, interface: Int32) -> LibUSBCode {
        inner.detachKernelDriver(handle, interface: interface)
    }
    public func claimInterface(_ handle: USBHandle, interface: Int32) -> LibUSBCode {
        if let f = fault(.claim) { return f }
        return inner.claimInterface(handle, interface: interface)
    }
    public func releaseInterface(_ handle: USBHandle, interface: Int32) -> LibUSBCode {
        inner.releaseInterface(handle, interface: interface)
    }
    public func stringDescriptor(_ handle: USBHandle, index: UInt8) -> String? { inner.stringDescriptor(handle, index: index) }
    public func sysfsAttribute(_ device: USBDeviceInfo, _ name: String) -> String? { inner.sysfsAttribute(device, name) }
    public func submit(_ transfer: USBTransfer) -> LibUSBCode {
        if let f = fault(.submit) { return f }
        return inner.submit(transfer)
    }
    public func cancel(_ transfer: USBTransfer) -> LibUSBCode { inner.cancel(transfer) }
    public func handleEvents(timeoutMicros: Int) -> LibUSBCode { inner.handleEvents(timeoutMicros: timeoutMicros) }
    public func interruptEventHandler() { inner.interruptEventHandler() }
    public func registerHotplug(_ callback: @escaping @Sendable (USBHotplugEvent, USBDeviceInfo) -> Void) -> LibUSBCode {
        inner.registerHotplug(callback)
    }
}
