/// How an app wants to be reached over HTTPS, from its config vars (`GANTRY_FORCE_HTTPS=1`,
/// `GANTRY_HSTS=seconds`), set with ``RouteTable/setPolicy(app:_:)`` at each release.
public struct RoutePolicy: Sendable, Equatable {
    /// Requests on the plain HTTP port get a 308 to the same URL on the HTTPS port (when the
    /// router has one). ACME challenge requests are never redirected.
    public var forceHTTPS: Bool
    /// `Strict-Transport-Security: max-age=N` on the app's responses over HTTPS (never over
    /// plain HTTP: RFC 6797 §7.2); `nil` for none. The router's field replaces any the app sent
    /// itself, so the config var is the one place that decides and a browser never sees two.
    public var hstsSeconds: Int?

    /// The default: plain HTTP served as it is, no HSTS.
    public static let none = RoutePolicy()

    /// Describes a policy; a negative `hstsSeconds` counts as none.
    public init(forceHTTPS: Bool = false, hstsSeconds: Int? = nil) {
        self.forceHTTPS = forceHTTPS
        self.hstsSeconds = hstsSeconds.flatMap { $0 >= 0 ? $0 : nil }
    }
}
