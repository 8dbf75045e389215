import ArgumentParser

/// rfidgate-bench: figures for docs/maintainer.md, measured against a baseline in the same run.
/// Build and run in release: `swift run -c release rfidgate-bench ring --json`.
@main
struct RFIDGateBench: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "rfidgate-bench",
        abstract: "Benchmarks of RFIDGate's hot paths (run with -c release).",
        subcommands: [
            RingBench.self, PipelineBench.self, DecodeBenchCommand.self, CacheBench.self, ReadersBench.self, SIP2Bench.self,
            StationBench.self,
        ])
}

/// Prints figures as aligned text, then (with --json) one JSON object on the last line.
func report(_ title: String, _ figures: [(String, Double)], json: Bool) {
    print(title)
    for (k, v) in figures { print("  " + k.padding(28) + formatFigure(v)) }
    if json {
        print("{" + figures.map { "\"\($0.0)\":\(formatFigure($0.1))" }.joined(separator: ",") + "}")
    }
}

func formatFigure(_ v: Double) -> String {
    if v == v.rounded() && abs(v) < 1e15 { return String(Int(v)) }
    let scaled = (v * 1000).rounded() / 1000
    return "\(scaled)"
}

extension String {
    func padding(_ n: Int) -> String { count >= n ? self + " " : self + String(repeating: " ", count: n - count) }
}
