/// Where the router listens and how patient it is with backends and clients.
public struct RouterConfiguration: Sendable {
    /// The address to listen on.
    public var host: String
    /// The port to listen on; 0 picks a free one (see ``Router/start()``).
    public var port: Int
    /// The port that terminates TLS (on `host`), with the certificates of
    /// ``Router/certificates``; `nil` for none, 0 for a free one.
    public var httpsPort: Int?
    /// How long to wait for a backend to accept a connection before trying another (then 502).
    public var connectTimeout: Duration
    /// How long a backend may take to start its response; `nil` waits forever. Then 502.
    public var responseTimeout: Duration?
    /// Idle keep-alive connections kept per backend and per event loop thread.
    public var maxIdleConnectionsPerBackend: Int
    /// An idle backend connection unused this long is closed and never reused: keep it below
    /// the keep-alive timeout of the apps' servers (Node closes after 5 s), so the router never
    /// sends a request on a connection the backend is closing.
    public var idleConnectionTimeout: Duration
    /// A client connection that sends no complete request head for this long (between
    /// requests, or while a head trickles in) is closed.
    public var clientIdleTimeout: Duration
    /// On shutdown, how long running requests get to finish before their connections are closed.
    public var shutdownGracePeriod: Duration

    /// The defaults: 127.0.0.1:8000, 5 s to connect, 60 s to answer, 64 idle connections per
    /// backend and thread kept for 4 s, idle clients closed after 60 s, 10 s to finish requests
    /// at shutdown.
    public init(
        host: String = "127.0.0.1",
        port: Int = 8000,
        connectTimeout: Duration = .seconds(5),
        responseTimeout: Duration? = .seconds(60),
        maxIdleConnectionsPerBackend: Int = 64,
        idleConnectionTimeout: Duration = .seconds(4),
        shutdownGracePeriod: Duration = .seconds(10),
        clientIdleTimeout: Duration = .seconds(60),
        httpsPort: Int? = nil
    ) {
        self.host = host
        self.port = port
        self.httpsPort = httpsPort
        self.connectTimeout = connectTimeout
        self.responseTimeout = responseTimeout
        self.maxIdleConnectionsPerBackend = maxIdleConnectionsPerBackend
        self.idleConnectionTimeout = idleConnectionTimeout
        self.shutdownGracePeriod = shutdownGracePeriod
        self.clientIdleTimeout = clientIdleTimeout
    }
}
