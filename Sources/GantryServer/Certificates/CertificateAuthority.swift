/// A CA that issues certificates on request: gantryd's ACME client, when it runs with
/// `--acme-directory`.
public protocol CertificateAuthority: Sendable {
    /// A new certificate and key for `names`, each of which the CA validated.
    func issue(names: [String]) async throws(CertificateAuthorityError) -> IssuedChain
}

/// A certificate chain (the site's first) and its new private key, both PEM.
public struct IssuedChain: Sendable, Hashable {
    public var chainPEM: String
    public var keyPEM: String

    public init(chainPEM: String, keyPEM: String) {
        self.chainPEM = chainPEM
        self.keyPEM = keyPEM
    }
}

/// Why a CA issued nothing, in one line a user can act on (`gantry certs` shows it).
public struct CertificateAuthorityError: Error, Sendable, CustomStringConvertible {
    public var description: String
    /// How long the CA asked to wait (`Retry-After`), when it did.
    public var retryAfter: Duration?

    public init(_ description: String, retryAfter: Duration? = nil) {
        self.description = description
        self.retryAfter = retryAfter
    }
}
