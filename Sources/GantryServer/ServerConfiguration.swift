import GantryCore
import NIOCore

/// How gantryd's HTTP door (and its SSH server) is set up.
public struct ServerConfiguration: Sendable {
    public var dataDirectory: DataDirectory
    public var host: String
    public var port: Int
    /// The most bytes one push may send (command section, push options and pack).
    public var maxPushBytes: Int
    /// How long an HTTP connection may stay without a request part arriving — waiting for
    /// its first request, between keep-alive requests, or with a request (headers or body)
    /// stalled half way — before it is closed. nginx's `client_header_timeout` is 60 s and
    /// its `keepalive_timeout` 75 s.
    public var httpIdleTimeout: Duration
    /// The most connections each port holds at once before it authenticated (SSH) or at all
    /// (HTTP, where a connection carries no identity before its request); beyond it a new
    /// connection is closed at once.
    public var maxConnections: Int
    /// How long an authenticated SSH connection may pass no data either way before it is closed.
    public var sshIdleTimeout: Duration
    /// Every app is served at `APP.<appsDomain>` (gantryd `--apps-domain`; `localhost`).
    public var appsDomain: String
    /// Whether gantryd gets certificates over ACME (`--acme-directory`): `gantry certs` shows
    /// where that stands for each app.
    public var automaticCertificates: Bool
    /// Failed logins per source address, shared by the API, smart-HTTP git and SSH (one
    /// instance for every door built from this configuration).
    let loginThrottle: LoginThrottle
    /// How many failed logins a source address may make in a minute before it is refused.
    public var loginFailuresPerMinute: Int { loginThrottle.limit }

    /// The default push limit: 1 GiB.
    public static let defaultMaxPushBytes = 1 << 30
    /// The default HTTP idle and header timeout: 60 s, nginx's `client_header_timeout`.
    public static let defaultHTTPIdleTimeout = Duration.seconds(60)
    /// The default cap on connections per port: 512.
    public static let defaultMaxConnections = 512
    /// The default limit of failed logins per source address and minute: 10.
    public static let defaultLoginFailuresPerMinute = 10
    /// The default idle timeout of an authenticated SSH connection: 10 minutes.
    public static let defaultSSHIdleTimeout = Duration.seconds(600)

    public init(
        dataDirectory: DataDirectory, host: String = "127.0.0.1", port: Int = 8080, maxPushBytes: Int = defaultMaxPushBytes,
        httpIdleTimeout: Duration = defaultHTTPIdleTimeout, maxConnections: Int = defaultMaxConnections,
        sshIdleTimeout: Duration = defaultSSHIdleTimeout, loginFailuresPerMinute: Int = defaultLoginFailuresPerMinute,
        appsDomain: String = "localhost", automaticCertificates: Bool = false
    ) {
        self.appsDomain = appsDomain
        self.automaticCertificates = automaticCertificates
        self.loginThrottle = LoginThrottle(limit: loginFailuresPerMinute)
        self.dataDirectory = dataDirectory
        self.host = host
        self.port = port
        self.maxPushBytes = maxPushBytes
        self.httpIdleTimeout = httpIdleTimeout
        self.maxConnections = maxConnections
        self.sshIdleTimeout = sshIdleTimeout
    }
}

extension Duration {
    /// This duration as NIO's `TimeAmount`.
    var timeAmount: TimeAmount { .nanoseconds(Int64(self / .nanoseconds(1))) }
}
