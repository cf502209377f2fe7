import GantryCore

extension GantryAPIClient {
    /// The host name `app` has by default and its custom domains.
    /// - Throws: `ClientError`; `.rejected` (404) no such app, (403) no access.
    public func domains(app: String) async throws(ClientError) -> AppDomains {
        try await decode(send(.get, "/apps/\(Self.pathSegment(app))/domains"))
    }

    /// Adds custom domains to `app`; the router serves them at once.
    /// - Returns: the app's domains after the change.
    /// - Throws: `ClientError`; `.rejected` (400) an invalid name, (409) a domain of another app.
    public func addDomains(app: String, _ domains: [String]) async throws(ClientError) -> AppDomains {
        try await decode(send(.post, "/apps/\(Self.pathSegment(app))/domains", body: try Self.encoded(AddDomains(domains: domains))))
    }

    /// Takes `domain` from `app`: the router stops serving it at once.
    /// - Throws: `ClientError`; `.rejected` (404) the app does not have it.
    public func removeDomain(app: String, _ domain: String) async throws(ClientError) {
        _ = try await send(.delete, "/apps/\(Self.pathSegment(app))/domains/\(Self.pathSegment(domain))")
    }
}
