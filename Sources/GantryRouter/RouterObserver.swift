import GantryCore

/// One request the router finished, as reported to a ``RouterObserver``.
public struct RequestRecord: Sendable {
    /// The app the host name belongs to; `nil` for an unknown host (404).
    public var app: AppName?
    /// The status sent to the client: the backend's, or the router's own 404, 502, 503;
    /// 101 for a WebSocket (reported when it closes); 499 when the client went away first.
    public var status: Int
    /// From the request head until the response's end (or the WebSocket's close).
    public var duration: Duration
    /// The backend that served it, if any.
    public var backendID: String?
    /// The release of the backend that served it (``Backend/release``), also for the router's
    /// own 502 or 504 once a backend was picked, so a broken canary's errors count against it;
    /// `nil` for the router's pages that no backend had a part in (404, 503, redirects).
    public var release: Int?

    /// Describes a finished request.
    public init(app: AppName?, status: Int, duration: Duration, backendID: String?, release: Int? = nil) {
        self.app = app
        self.status = status
        self.duration = duration
        self.backendID = backendID
        self.release = release
    }
}

/// Told about every request the router finishes; feeds metrics such as requests and latency
/// per app. Called on the router's event loop threads: return quickly and never block.
public protocol RouterObserver: Sendable {
    /// Called once per finished request.
    func requestCompleted(_ record: RequestRecord)
}

/// A ``RouterObserver`` made of a closure.
public struct ClosureRouterObserver: RouterObserver {
    private let body: @Sendable (RequestRecord) -> Void

    /// Calls `body` for every finished request.
    public init(_ body: @escaping @Sendable (RequestRecord) -> Void) {
        self.body = body
    }

    /// Forwards `record` to the closure.
    public func requestCompleted(_ record: RequestRecord) {
        body(record)
    }
}

/// Two observers told about every request, first `first`, then `second`: how gantryd gives the
/// router its metrics and its per-release traffic counter. Generic, so each call is a direct one.
public struct CombinedRouterObserver<First: RouterObserver, Second: RouterObserver>: RouterObserver {
    public let first: First
    public let second: Second

    /// Tells `first`, then `second`, about each finished request.
    public init(_ first: First, _ second: Second) {
        self.first = first
        self.second = second
    }

    /// Forwards `record` to both observers.
    public func requestCompleted(_ record: RequestRecord) {
        first.requestCompleted(record)
        second.requestCompleted(record)
    }
}
