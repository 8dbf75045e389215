import Foundation
import Testing

/// Runs a libusb test inside a umockdev session from a plain `swift test`.
///
/// umockdev fakes devices below libusb by preloading itself (`umockdev-run`,
/// `umockdev-wrapper`), which must happen before the process starts. So each such test, when
/// `swift test` runs it, starts this same test binary again under umockdev with a filter for
/// itself and `RFIDGATE_USB_SCENARIO` set; that child runs the test body against the faked
/// device and the parent records the child's outcome. A child that fails, hangs, runs no test
/// or skips fails the parent: nothing here can pass without the body having passed.
enum UmockdevSession {
    /// The scenario this process was started for; empty in the parent.
    static let scenario = ProcessInfo.processInfo.environment["RFIDGATE_USB_SCENARIO"] ?? ""
    static let fixtures = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Fixtures/usb").path
    static let feigSysfs = "/sys/devices/pci0000:00/0000:00:14.0/usb1/1-2"
    static let relaySysfs = "/sys/devices/pci0000:00/0000:00:14.0/usb1/1-3"

    /// True in the child started for `scenario`: run the test body. In the parent, runs the
    /// child (`umockdev-run` with `device` and `pcap` replayed on `sysfs`, or `umockdev-wrapper`
    /// when `device` is nil), records its outcome and returns false.
    static func isInside(
        _ scenario: String, test: String, device: String?, pcap: (sysfs: String, file: String)? = nil,
        environment: [String: String] = [:], sourceLocation: SourceLocation = #_sourceLocation
    ) -> Bool {
        if Self.scenario == scenario { return true }
        if !Self.scenario.isEmpty {
            // A child started for another scenario never runs this one.
            Issue.record("started for scenario \(Self.scenario), asked to run \(scenario)", sourceLocation: sourceLocation)
            return false
        }
        var wrapper: [String]
        if let device {
            wrapper = ["umockdev-run", "-d", "\(fixtures)/\(device).umockdev"]
            if let pcap { wrapper += ["-p", "\(pcap.sysfs)=\(fixtures)/\(pcap.file)"] }
            wrapper.append("--")
        } else {
            wrapper = ["umockdev-wrapper"]
        }
        let exe = (try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe")) ?? CommandLine.arguments[0]
        let args = wrapper + [exe, "--testing-library", "swift-testing", "--filter", test]
        var env = ProcessInfo.processInfo.environment
        env["RFIDGATE_USB_SCENARIO"] = scenario
        for (k, v) in environment { env[k] = v }
        let outcome = run(args, environment: env, timeoutSeconds: 120)
        let log = outcome.output
        let ranOne = log.contains("Test run with 1 test") && log.contains("passed")
        #expect(
            outcome.status == 0 && ranOne && !log.contains("skipped"),
            "umockdev scenario \(scenario) (\(args.joined(separator: " "))) exited \(outcome.status)\(outcome.timedOut ? " after the 120 s limit" : ""):\n\(log.suffix(4000))",
            sourceLocation: sourceLocation)
        return false
    }

    private static func run(
        _ args: [String], environment: [String: String], timeoutSeconds: Double
    ) -> (status: Int32, output: String, timedOut: Bool) {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        p.arguments = args
        p.environment = environment
        let out = FileManager.default.temporaryDirectory.appendingPathComponent("umockdev-\(UUID().uuidString).log")
        _ = FileManager.default.createFile(atPath: out.path, contents: nil)
        defer { try? FileManager.default.removeItem(at: out) }
        guard let handle = try? FileHandle(forWritingTo: out) else { return (-1, "cannot create \(out.path)", false) }
        p.standardOutput = handle
        p.standardError = handle
        let done = DispatchSemaphore(value: 0)
        p.terminationHandler = { _ in done.signal() }
        do { try p.run() } catch { return (-1, "cannot start \(args[0]): \(error) (install umockdev: ./scripts/setup.sh --tests)", false) }
        var timedOut = false
        if done.wait(timeout: .now() + timeoutSeconds) == .timedOut {
            timedOut = true
            p.terminate()
            done.wait()
        }
        try? handle.close()
        let text = (try? String(contentsOf: out, encoding: .utf8)) ?? ""
        return (p.terminationStatus, text, timedOut)
    }
}
