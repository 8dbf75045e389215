#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

/// The one dedicated-OS-thread wrapper of the project (reader threads, the decode loop, the
/// libusb event loop, alarm outputs, emulators). These loops block or spin by design, so they
/// must never run on Swift's cooperative pool (one thread per core: two on a gate board).
/// A failed pthread_create at start-up traps: a daemon that cannot start its threads cannot
/// judge anything, and systemd restarts it.
public final class OSThread: @unchecked Sendable {
    private var thread = pthread_t()
    private let name: String
    private var started = false

    private final class Box {
        let body: () -> Void
        let name: String
        init(_ body: @escaping () -> Void, name: String) { self.body = body; self.name = name }
    }

    public init(name: String, _ body: @escaping @Sendable () -> Void) {
        self.name = name
        let box = Unmanaged.passRetained(Box(body, name: name)).toOpaque()
        let rc = pthread_create(
            &thread, nil,
            { arg in
                let box = Unmanaged<Box>.fromOpaque(arg!).takeRetainedValue()
                setCurrentThreadName(box.name)
                box.body()
                return nil
            }, box)
        precondition(rc == 0, "pthread_create(\(name)) failed: \(rc)")
        started = true
    }

    /// Waits for the thread's body to return.
    public func join() {
        guard started else { return }
        started = false
        pthread_join(thread, nil)
    }
}

/// Names the calling thread (shown by `top -H` and in core dumps). Glibc's module does not
/// export pthread_setname_np, so write the kernel's comm file; Linux keeps 15 bytes.
private func setCurrentThreadName(_ name: String) {
    #if os(Linux)
    let path = "/proc/thread-self/comm"
    let fd = open(path, O_WRONLY)
    guard fd >= 0 else { return }
    defer { close(fd) }
    let bytes = Array(name.utf8.prefix(15))
    _ = bytes.withUnsafeBytes { write(fd, $0.baseAddress, $0.count) }
    #endif
}
