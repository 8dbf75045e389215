import Logging
import RFIDGateConfig
import SIP2Client
import ServiceLifecycle

/// The box's one SIP2 terminal session, shared by every service that talks to the ILS (the outbox
/// replay today, the self-checkout station next), so they never log in twice with one account.
///
/// Listed ahead of its users in the service group: started first, shut down last, so a user
/// finishing its last exchange during shutdown still has the session. It sends the keepalive (99)
/// below the ILS's idle timeout; it does not connect by itself (the first user's request does).
struct SIP2ClientService: Service {
    let client: SIP2Client

    /// The client `[sip2]` describes, or nil (not configured, or a configuration error, logged).
    static func makeClient(_ settings: SIP2Settings, logger: Logger) -> SIP2Client? {
        guard settings.server != nil else { return nil }
        do {
            return SIP2Client(try settings.clientConfiguration(source: "[sip2]"), logger: Logger(label: "rfidgate.sip2"))
        } catch {
            logger.error("SIP2 client not started: \(error)")
            return nil
        }
    }

    func run() async throws {
        let client = client
        await withTaskGroup(of: Void.self) { group in
            group.addTask { await client.runKeepalive() }
            try? await gracefulShutdown()
            group.cancelAll()
        }
        await client.disconnect()
    }
}
