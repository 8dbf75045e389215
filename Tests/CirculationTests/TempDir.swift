import Foundation

/// A fresh directory under the system temp dir, removed when the value is dropped by `defer`.
struct TempDir {
    let path: String
    init(_ name: String = "circ") {
        path =
            FileManager.default.temporaryDirectory.appendingPathComponent(
                "rfidgate-\(name)-\(getpid())-\(UInt32.random(in: 0...UInt32.max))"
            ).path
        try? FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
    }
    func file(_ name: String) -> String { path + "/" + name }
    func remove() { try? FileManager.default.removeItem(atPath: path) }
}
