#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

/// A dedicated OS thread for the Readers module's own loops (the libusb event thread, the
/// emulators' TCP servers). Blocking loops must never run on Swift's cooperative pool.
final class BackgroundThread: @unchecked Sendable {
    private var thread = pthread_t()
    private var running = false

    private final class Box {
        let body: () -> Void
        let name: String
        init(_ body: @escaping () -> Void, _ name: String) { self.body = body; self.name = name }
    }

    init(name: String, _ body: @escaping @Sendable () -> Void) {
        let box = Unmanaged.passRetained(Box(body, name)).toOpaque()
        let rc = pthread_create(&thread, nil, { arg in
            let box = Unmanaged<Box>.fromOpaque(arg!).takeRetainedValue()
            nameThread(box.name)
            box.body()
            return nil
        }, box)
        if rc == 0 {
            running = true
        } else {
            // Out of threads: nothing useful can run; say so instead of trapping.
            Unmanaged<Box>.fromOpaque(box).release()
            printToStderr("rfidgate: cannot start thread \(name): error \(rc)")
        }
    }

    func join() {
        guard running else { return }
        running = false
        pthread_join(thread, nil)
    }
}

/// Linux keeps 15 bytes of a thread name; shown by `top -H` and in core dumps.
private func nameThread(_ name: String) {
    #if os(Linux)
    let fd = open("/proc/thread-self/comm", O_WRONLY)
    guard fd >= 0 else { return }
    defer { close(fd) }
    let bytes = Array(name.utf8.prefix(15))
    _ = bytes.withUnsafeBytes { write(fd, $0.baseAddress, $0.count) }
    #endif
}

func printToStderr(_ line: String) {
    let text = line + "\n"
    _ = text.utf8CString.withUnsafeBufferPointer { write(2, $0.baseAddress, $0.count - 1) }
}
