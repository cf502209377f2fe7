import struct Foundation.Date

/// A custom domain of an app, as listed by `gantry domains`.
public struct Domain: Hashable, Sendable, Codable {
    public var name: DomainName
    public var createdAt: Date

    public init(name: DomainName, createdAt: Date) {
        self.name = name
        self.createdAt = createdAt
    }
}

/// `GET /api/v1/apps/NAME/domains`: the host name every app has and its custom domains.
public struct AppDomains: Hashable, Sendable, Codable {
    /// `APP.<apps domain>` (gantryd `--apps-domain`, `localhost` by default).
    public var defaultHost: String
    public var domains: [Domain]

    public init(defaultHost: String, domains: [Domain]) {
        self.defaultHost = defaultHost
        self.domains = domains
    }
}

/// Body of `POST /api/v1/apps/NAME/domains`.
public struct AddDomains: Codable, Sendable, Equatable {
    public var domains: [String]

    public init(domains: [String]) { self.domains = domains }
}
