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
    /// `manual` (`certs:add`).
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
