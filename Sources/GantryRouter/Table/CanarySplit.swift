import GantryCore

/// A canary's share of an app's traffic, set with ``RouteTable/setCanary(app:_:)``: `weight`%
/// of the requests that do not name a side go to `backends`, which run release `release`; the
/// rest go to the app's own backends (``RouteTable/setBackends(app:_:)``), of release `stable`.
///
/// A request names a side with `X-Gantry-Canary: always|never` or with the sticky cookie
/// `gantry-canary=APP:vN` (`CanaryCookie`) that the router sets on the response to every request
/// it chose a side for, so that a client stays on one side.
public struct CanarySplit: Sendable, Equatable {
    /// The canary's release version.
    public var release: Int
    /// The live release beside it.
    public var stable: Int
    /// The canary's share of undecided requests, 1 to 99 (%).
    public var weight: Int
    /// The canary's web processes.
    public var backends: [Backend]

    /// Describes a split; `weight` is clamped to 1…99.
    public init(release: Int, stable: Int, weight: Int, backends: [Backend]) {
        self.release = release
        self.stable = stable
        self.weight = min(99, max(1, weight))
        self.backends = backends
    }

    /// The `Set-Cookie` value that keeps a client on release `release` of `app`:
    /// `gantry-canary=hello:v8; Path=/; HttpOnly; SameSite=Lax`.
    public static func stickyCookie(app: AppName, release: Int) -> String {
        "\(CanaryCookie.name)=\(CanaryCookie.value(app: app, release: release)); Path=/; HttpOnly; SameSite=Lax"
    }
}

/// Which side of an app's canary split a request went to, and the `Set-Cookie` value its
/// response gets when the router chose the side (none when the request named it).
struct SplitSide: Equatable {
    /// The canary's backends (else the app's own, stable ones).
    var isCanary: Bool
    var setCookie: String?

    /// An app without a canary, or a request that named the stable side.
    static let stable = SplitSide(isCanary: false, setCookie: nil)
}
