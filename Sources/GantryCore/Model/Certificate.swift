import struct Foundation.Date

/// A certificate an app's domains are served with over HTTPS (`gantry certs`). Its key never
/// leaves gantryd.
public struct CertificateInfo: Hashable, Sendable, Codable {
    /// The DNS names it is for.
    public var names: [String]
    /// The app's domains it covers: those the router presents it for.
    public var covers: [String]
    public var issuer: String
    public var notBefore: Date
    public var notAfter: Date
    /// `manual` (`certs:add`) or `acme` (issued and renewed by gantryd).
    public var source: String
    public var addedAt: Date

    public init(names: [String], covers: [String], issuer: String, notBefore: Date, notAfter: Date, source: String, addedAt: Date) {
        self.names = names
        self.covers = covers
        self.issuer = issuer
        self.notBefore = notBefore
        self.notAfter = notAfter
        self.source = source
        self.addedAt = addedAt
    }
}

/// Body of `PUT /api/v1/apps/NAME/certs`: the PEM files' text.
public struct AddCertificate: Codable, Sendable, Equatable {
    /// The site's certificate, then its issuers.
    public var chain: String
    /// Its private key (never shown again).
    public var key: String

    public init(chain: String, key: String) {
        self.chain = chain
        self.key = key
    }
}

/// Where getting an app's certificate automatically (ACME) stands.
public struct AutomaticCertificate: Hashable, Sendable, Codable {
    /// `issuing`, `issued` (renewed at `nextAttemptAt`) or `failed` (tried again at `nextAttemptAt`).
    public var state: String
    /// The names asked for: the app's domains an ACME CA can validate over HTTP.
    public var names: [String]
    /// What the CA or the network said last time it failed.
    public var lastError: String?
    /// Failed attempts in a row.
    public var failures: Int
    /// When gantryd tries again (after a failure) or renews (once issued).
    public var nextAttemptAt: Date?
    public var updatedAt: Date

    public init(state: String, names: [String], lastError: String?, failures: Int, nextAttemptAt: Date?, updatedAt: Date) {
        self.state = state
        self.names = names
        self.lastError = lastError
        self.failures = failures
        self.nextAttemptAt = nextAttemptAt
        self.updatedAt = updatedAt
    }
}

/// Body of `GET /api/v1/apps/NAME/certs`: the certificate the app is served with, and where
/// getting one automatically stands when gantryd runs with an ACME directory.
public struct AppCertificates: Hashable, Sendable, Codable {
    public var certificate: CertificateInfo?
    /// Nil when gantryd has no ACME directory, or the app has a certificate of its own or no
    /// domain a CA can validate.
    public var automatic: AutomaticCertificate?

    public init(certificate: CertificateInfo?, automatic: AutomaticCertificate?) {
        self.certificate = certificate
        self.automatic = automatic
    }
}
