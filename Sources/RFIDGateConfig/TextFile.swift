import ISO28560

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

/// Reads a whole (small) text file; errors name the path and the OS reason.
public func readTextFile(_ path: String) throws(ConfigError) -> String {
    guard let f = fopen(path, "rb") else {
        throw ConfigError("cannot open \(path): \(String(cString: strerror(errno)))")
    }
    defer { fclose(f) }
    var bytes: [UInt8] = []
    var chunk = [UInt8](repeating: 0, count: 65536)
    while true {
        let n = fread(&chunk, 1, chunk.count, f)
        if n > 0 { bytes.append(contentsOf: chunk[0..<n]) }
        if n < chunk.count { break }
        if bytes.count > 4 << 20 { throw ConfigError("\(path) is larger than 4 MiB: not a config file") }
    }
    if ferror(f) != 0 { throw ConfigError("cannot read \(path): \(String(cString: strerror(errno)))") }
    return String(decoding: bytes, as: UTF8.self)
}

/// Writes one line to standard error (fd 2) without touching C's global `stderr` FILE*.
/// Errors echo what they could not use (a hex string, a path, a value from a tag): escaped.
public func printError(_ message: String) {
    let line = Array((SafeText.display(message) + "\n").utf8)
    _ = line.withUnsafeBytes { write(2, $0.baseAddress, $0.count) }
}
