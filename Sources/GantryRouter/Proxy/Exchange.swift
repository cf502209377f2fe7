import GantryCore
import NIOCore

/// One proxied request and its response: what the client handler keeps between events.
///
/// Request side: head parsed → `outgoingHead` written to a backend connection → body framed
/// by `requestFramer` → `requestComplete`. Response side: head awaited (`response == nil`,
/// informational heads pass through) → final head forwarded → body framed by `responseFramer`
/// → ended; or `upgraded` after a 101.
final class Exchange {
    let app: AppName
    /// The backend serving it; its request count stays raised until `finish`.
    var slot: BackendSlot
    let request: HTTPHead
    /// The rewritten request head, kept for a retry on a fresh connection.
    let outgoingHead: ByteBuffer
    /// The client's request id, or the one the router made.
    let clientRequestID: ByteBuffer?
    let generatedRequestID: RequestID?
    let start: NIODeadline

    var requestFramer: BodyFramer
    /// The whole request went to the backend.
    var requestComplete = false
    /// Body bytes went to the backend (a failure can then no longer be retried).
    var requestBodySent = false

    /// Backends tried (at most 2: the chosen one and one other).
    var connectAttempts = 1
    var retriedOnFreshConnection = false
    var backend: BackendConnection?
    var reusedConnection = false

    /// How far the backend's response head was searched for its end.
    var responseScanned = 0
    /// The final status, once its head went to the client.
    var response: Int?
    var responseFramer = BodyFramer(.none)
    var backendKeepAlive = false
    var keepClient = true
    /// `Strict-Transport-Security: max-age=` this on the response (HTTPS, per the app's policy).
    var hsts: Int?
    /// The side of the app's canary split it went to, and the sticky cookie for the response.
    var side = SplitSide.stable
    /// The backend answered 101: the connections become a byte pipe.
    var upgraded = false
    private(set) var isFinished = false

    init(
        app: AppName, slot: BackendSlot, request: HTTPHead, outgoingHead: ByteBuffer, clientRequestID: ByteBuffer?,
        generatedRequestID: RequestID?, start: NIODeadline
    ) {
        self.app = app
        self.slot = slot
        self.request = request
        self.outgoingHead = outgoingHead
        self.clientRequestID = clientRequestID
        self.generatedRequestID = generatedRequestID
        self.start = start
        if request.isChunked {
            requestFramer = BodyFramer(.chunked(ChunkParser()))
        } else if let length = request.contentLength, length > 0 {
            requestFramer = BodyFramer(.length(length))
        } else {
            requestFramer = BodyFramer(.none)
        }
    }

    /// The request id as text, for the router's own pages.
    var requestID: String? {
        clientRequestID.map { String(buffer: $0) } ?? generatedRequestID?.string
    }

    /// Whether a failure now may be retried on a new connection: nothing of the response came
    /// and no body byte left (the backend may have closed an idle connection as it was reused).
    var mayRetryOnFreshConnection: Bool {
        reusedConnection && !retriedOnFreshConnection && response == nil && !upgraded && !requestBodySent
    }

    /// Ends the exchange once: lowers the backend's request count and reports to the observer.
    func finish(status: Int, observer: (any RouterObserver)?) {
        guard !isFinished else { return }
        isFinished = true
        slot.end()
        if let observer {
            let elapsed = Duration.nanoseconds((NIODeadline.now() - start).nanoseconds)
            observer.requestCompleted(RequestRecord(
                app: app, status: status, duration: elapsed, backendID: slot.backend.id, release: slot.backend.release))
        }
    }
}
