/// The JSON objects of RFC 8555 §7.1 that this client reads and sends; unknown fields are ignored.

/// The directory (§7.1.1): where each operation lives.
struct ACMEDirectory: Decodable, Sendable {
    var newNonce: String
    var newAccount: String
    var newOrder: String
}

/// An identifier (§9.7.7); only `dns` ones are used.
struct ACMEIdentifier: Codable, Sendable, Hashable {
    var type: String
    var value: String

    static func dns(_ name: String) -> ACMEIdentifier { ACMEIdentifier(type: "dns", value: name) }
}

/// An order (§7.1.3).
struct ACMEOrder: Decodable, Sendable {
    var status: String
    var identifiers: [ACMEIdentifier]
    var authorizations: [String]
    var finalize: String
    var certificate: String?
    var error: ProblemDocument?
}

/// An authorization (§7.1.4).
struct ACMEAuthorization: Decodable, Sendable {
    var status: String
    var identifier: ACMEIdentifier
    var challenges: [ACMEChallenge]
}

/// A challenge (§7.1.5, §8.3).
struct ACMEChallenge: Decodable, Sendable {
    var type: String
    var url: String
    var status: String
    var token: String?
    var error: ProblemDocument?
}

/// The payload of newAccount (§7.3).
struct NewAccountPayload: Encodable {
    var termsOfServiceAgreed = true
    var contact: [String]
}

/// The payload of newOrder (§7.4).
struct NewOrderPayload: Encodable {
    var identifiers: [ACMEIdentifier]
}

/// The payload of an order's finalize request (§7.4): the CSR, base64url DER.
struct FinalizePayload: Encodable {
    var csr: String
}

/// The empty object that tells the server to validate a challenge (§7.5.1).
struct EmptyPayload: Encodable {}
