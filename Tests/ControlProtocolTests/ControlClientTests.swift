import ControlProtocol
import Foundation
import Testing

/// The client against real Unix sockets: a daemon that accepts but never answers (stuck) is a
/// clear error after the timeout, not a hung `rfidgatectl status`.
@Suite struct ControlClientTests {
    @Test func aDaemonThatAcceptsButNeverAnswersIsNoAnswer() throws {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("ctl-\(UUID().uuidString.prefix(8)).sock").path
        let server = try UnixSocket.listen(at: path, mode: 0o600)
        defer {
            close(server)
            unlink(path)
        }
        // The kernel completes the connection from the backlog; nobody ever accepts or writes.
        let started = Date()
        #expect(throws: ControlClient.Failure.self) { _ = try ControlClient.fetchStatus(at: path, timeoutSeconds: 1) }
        do {
            _ = try ControlClient.fetchStatus(at: path, timeoutSeconds: 1)
        } catch {
            guard case .noAnswer(let s) = error else {
                Issue.record("expected noAnswer, got \(error)")
                return
            }
            #expect(s == 1 && "\(error)".contains("looks stuck"))
        }
        #expect(Date().timeIntervalSince(started) < 30)
    }

    @Test func noDaemonIsUnreachable() {
        #expect {
            _ = try ControlClient.fetchStatus(at: "/nonexistent/rfidgate/control.sock", timeoutSeconds: 1)
        } throws: { e in
            if case ControlClient.Failure.unreachable = e { return true } else { return false }
        }
    }

    /// A daemon older than the request line: it writes its report on accept and closes. The new
    /// `status` still reads it; `events` is told clearly that this daemon has no stream.
    @Test func anOldDaemonStillAnswersStatusAndRefusesEventsClearly() throws {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("ctl-\(UUID().uuidString.prefix(8)).sock").path
        let server = try UnixSocket.listen(at: path, mode: 0o600)
        defer {
            close(server)
            unlink(path)
        }
        let line = try JSONWire.encode(StatusReportCodingTests.report) + "\n"
        let old = Thread {
            for _ in 0..<2 {
                let c = accept(server, nil, nil)
                guard c >= 0 else { return }
                _ = UnixSocket.writeAll(c, Array(line.utf8))
                close(c)
            }
        }
        old.start()
        #expect(try ControlClient.fetchStatus(at: path, timeoutSeconds: 5) == StatusReportCodingTests.report)
        #expect {
            _ = try EventStream(at: path, timeoutSeconds: 5)
        } throws: { e in
            guard case ControlClient.Failure.noEvents = e else { return false }
            return "\(e)".contains("does not stream events")
        }
    }
}
