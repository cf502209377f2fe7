extension RoutePolicy {
    /// The config var that makes an app HTTPS-only: `1` or `true` (any case).
    public static let forceHTTPSVar = "GANTRY_FORCE_HTTPS"
    /// The config var that sets the HSTS max-age in seconds: a whole number from 0 to
    /// ``maximumHSTSSeconds``.
    public static let hstsVar = "GANTRY_HSTS"
    /// The longest HSTS max-age accepted: two years (what the browsers' preload lists ask for).
    public static let maximumHSTSSeconds = 63_072_000

    /// The policy an app's config vars ask for (`GANTRY_FORCE_HTTPS=1`, `GANTRY_HSTS=31536000`),
    /// for ``RouteTable/setPolicy(app:_:)`` at each release. A value that is not understood
    /// (`GANTRY_FORCE_HTTPS=yes please`, `GANTRY_HSTS=1y`, a negative or too long max-age)
    /// counts as unset, so a typo never turns HTTPS on by accident; ``problems(configVars:)``
    /// names them for the release's output.
    public init(configVars: [String: String]) {
        let force = configVars[Self.forceHTTPSVar].map(Self.isTrue) ?? false
        self.init(forceHTTPS: force, hstsSeconds: configVars[Self.hstsVar].flatMap(Self.seconds))
    }

    /// What is wrong with the HTTPS config vars in `configVars`, one sentence each; empty when
    /// nothing is.
    public static func problems(configVars: [String: String]) -> [String] {
        var problems: [String] = []
        if let value = configVars[forceHTTPSVar], !isTrue(value), !["0", "false", ""].contains(value.lowercased()) {
            problems.append("\(forceHTTPSVar)=\(value.prefix(40)) is neither 1 nor 0: HTTPS is not forced")
        }
        if let value = configVars[hstsVar], !value.isEmpty, seconds(value) == nil {
            problems.append("\(hstsVar)=\(value.prefix(40)) is not a number of seconds from 0 to \(maximumHSTSSeconds): no HSTS")
        }
        return problems
    }

    private static func isTrue(_ value: String) -> Bool {
        value == "1" || value.lowercased() == "true"
    }

    private static func seconds(_ value: String) -> Int? {
        guard !value.isEmpty, value.utf8.count <= 9, value.utf8.allSatisfy({ $0 >= UInt8(ascii: "0") && $0 <= UInt8(ascii: "9") }),
            let seconds = Int(value), seconds <= maximumHSTSSeconds
        else { return nil }
        return seconds
    }
}
