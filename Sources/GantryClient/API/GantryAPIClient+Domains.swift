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

extension GantryAPIClient {
    /// The certificate `app`'s domains are served with over HTTPS, if any, and where getting
    /// one automatically stands (when gantryd runs with an ACME directory).
    /// - Throws: `ClientError`.
    public func certificates(app: String) async throws(ClientError) -> AppCertificates {
        try await decode(send(.get, "/apps/\(Self.pathSegment(app))/certs"))
    }

    /// Gives `app` a certificate: `chain` (PEM, the site's first) and its `key` (PEM).
    /// - Throws: `ClientError`; `.rejected` (400) when the key does not match, the certificate
    ///   expired or covers none of the app's domains.
    public func addCertificate(app: String, chain: String, key: String) async throws(ClientError) -> CertificateInfo {
        try await decode(send(.put, "/apps/\(Self.pathSegment(app))/certs", body: try Self.encoded(AddCertificate(chain: chain, key: key))))
    }

    /// Takes `app`'s certificate away: its domains get none over HTTPS from now on.
    /// - Throws: `ClientError`; `.rejected` (404) when it has none.
    public func removeCertificate(app: String) async throws(ClientError) {
        _ = try await send(.delete, "/apps/\(Self.pathSegment(app))/certs")
    }
}
