import Foundation

// Writes Swift source holding each input file as a string literal, keyed by file name:
//   KioskAssetEmbedder OUTPUT.swift FILE...
// Run by the EmbedKioskAssets build plugin; the pages are text (HTML, JS, CSS, JSON, SVG).

let types = [
    "html": "text/html; charset=utf-8", "js": "text/javascript; charset=utf-8", "css": "text/css; charset=utf-8",
    "json": "application/json", "svg": "image/svg+xml", "txt": "text/plain; charset=utf-8",
]

/// A raw multi-line literal whose delimiter occurs nowhere in the text (so nothing in it is
/// an escape or an interpolation).
func literal(_ text: String) -> String {
    var hashes = "#"
    while text.contains("\"\"\"" + hashes) || text.contains("\\" + hashes) { hashes += "#" }
    return hashes + "\"\"\"\n" + text + (text.hasSuffix("\n") ? "" : "\n") + "\"\"\"" + hashes
}

let args = CommandLine.arguments.dropFirst()
guard let output = args.first else {
    FileHandle.standardError.write(Data("usage: KioskAssetEmbedder OUTPUT.swift FILE...\n".utf8))
    exit(2)
}
var out = [
    "// Generated at build time by KioskAssetEmbedder (the EmbedKioskAssets plugin) from",
    "// Sources/Kiosk/Assets and Sources/Kiosk/openapi.json.", "",
    "enum EmbeddedAssets {",
    "    /// name → (content type, body)",
    "    static let files: [String: (type: String, body: String)] = [",
]
for path in args.dropFirst() {
    let url = URL(fileURLWithPath: path)
    guard let type = types[url.pathExtension] else {
        FileHandle.standardError.write(Data("KioskAssetEmbedder: no content type for \(url.lastPathComponent)\n".utf8))
        exit(1)
    }
    let text = try String(contentsOf: url, encoding: .utf8)
    out.append("        \"\(url.lastPathComponent)\": (\"\(type)\", \(literal(text))),")
}
out += ["    ]", "}", ""]
try out.joined(separator: "\n").write(toFile: output, atomically: true, encoding: .utf8)
