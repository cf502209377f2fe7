import Hummingbird
import HummingbirdWebSocket
import NIOCore
import Synchronization

/// The request context of gantryd's HTTP door: the peer's address, and the caller once the
/// API's authentication has found one.
struct GantryRequestContext: RequestContext, RemoteAddressRequestContext, WebSocketRequestContext {
    var coreContext: CoreRequestContextStorage
    let remoteAddress: SocketAddress?
    /// Set by `APIAuthMiddleware` for every API route.
    var caller: Caller?
    /// What a handler tells the audit log about its call (config keys, a process count…).
    let note: AuditNote
    /// Where a WebSocket route (`gantry run`'s attach) leaves its handler for the upgrade.
    let webSocket = WebSocketHandlerReference<GantryRequestContext>()

    init(source: ApplicationRequestContextSource) {
        coreContext = .init(source: source)
        remoteAddress = source.channel.remoteAddress
        caller = nil
        note = AuditNote()
    }

    /// The peer's IP address, as the audit log and the login throttle name it.
    var peer: String { remoteAddress?.ipAddress ?? "unknown" }

    /// The authenticated caller.
    /// - Throws: a 401 when the route was reached without one (a route outside the API).
    func requireCaller() throws -> Caller {
        guard let caller else { throw HTTPProblem(.unauthorized, "authentication required") }
        return caller
    }
}

/// A handler's words for the audit log: set during the call, read once it is answered.
final class AuditNote: Sendable {
    private let text = Mutex<String?>(nil)

    var detail: String? {
        get { text.withLock { $0 } }
        set { text.withLock { $0 = newValue } }
    }
}
