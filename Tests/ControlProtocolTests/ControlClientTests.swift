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
}
