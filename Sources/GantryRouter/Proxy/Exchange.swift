import GantryCore
import NIOCore
import NIOHTTP1

/// One proxied request and its response: the state the client handler keeps between events.
///
/// The request side goes `buffered` (no backend yet) → streamed → `requestEnded` (client sent
/// its end) and `requestComplete` (the end went to the backend). The response side goes
/// `response == nil` → head forwarded → ended, or `upgraded` on a 101.
final class Exchange {
    let app: AppName
    /// The backend serving it; its request count stays raised until `finish`.
    var slot: BackendSlot
    let request: HeaderRewriting.Request
    let clientVersion: HTTPVersion
    let clientKeepAlive: Bool
    let start: NIODeadline

    /// Backends tried to connect to (at most 2: the chosen one and one other).
    var connectAttempts = 1
    /// Whether a stale pooled connection was already replaced by a fresh one.
    var retriedOnFreshConnection = false
    var backend: BackendConnection?
    var reusedConnection = false
    /// Request parts that arrived before a backend connection was ready.
    var buffered = CircularBuffer<HTTPServerRequestPart>()
    var requestEnded = false
    var requestBodySent = false
    var requestComplete = false

    /// The final status forwarded to the client, once its head went out.
    var response: HTTPResponseStatus?
    var backendKeepAlive = false
    var keepClient = true
    /// The backend answered 101: the connection becomes a byte pipe at the response's end.
    var upgraded = false
    var timeout: Scheduled<Void>?
    private(set) var isFinished = false

    init(app: AppName, slot: BackendSlot, request: HeaderRewriting.Request, clientHead: HTTPRequestHead, start: NIODeadline) {
        self.app = app
        self.slot = slot
        self.request = request
        self.clientVersion = clientHead.version
        self.clientKeepAlive = clientHead.isKeepAlive
        self.start = start
    }

    /// Whether a failure now may be retried on a new connection: nothing of the response came
    /// and no body byte left (the backend may have closed an idle connection as we reused it).
    var mayRetryOnFreshConnection: Bool {
        reusedConnection && !retriedOnFreshConnection && response == nil && !upgraded && !requestBodySent
    }

    /// Ends the exchange once: lowers the backend's request count and reports to the observer.
    func finish(status: Int, observer: (any RouterObserver)?) {
        guard !isFinished else { return }
        isFinished = true
        timeout?.cancel()
        timeout = nil
        slot.end()
        if let observer {
            let elapsed = Duration.nanoseconds((NIODeadline.now() - start).nanoseconds)
            observer.requestCompleted(RequestRecord(app: app, status: status, duration: elapsed, backendID: slot.backend.id))
        }
    }
}
