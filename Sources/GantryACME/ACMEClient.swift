import Foundation
import GantryHTTP
import Logging

/// An RFC 8555 ACME client for HTTP-01: registers an account and has certificates issued.
///
/// Every request is signed with the account key (JWS, ES256); nonces come from each answer's
/// `Replay-Nonce`, and a request the CA rejects with `badNonce` is sent again with a fresh one.
/// Requests go through libcurl (`GantryHTTP`), off Swift's cooperative pool.
public actor ACMEClient {
    let directoryURL: String
    let accountKey: ACMEAccountKey
    let contact: [String]
    let transport: any ACMETransport
    let logger: Logger?
    /// The directory, once fetched.
    var directory: ACMEDirectory?
    /// The newest unused nonce the CA handed out.
    var nonce: String?
    /// The account's URL (`kid`), once registered.
    var accountURL: String?

    /// How often a request the CA rejected with `badNonce` is sent again, each time with the
    /// nonce of the rejection. Pebble rejects 5% of nonces by default (a request then fails
    /// once in 10¹⁴), and the test that raises that to 20% still sees no failure.
    static let badNonceRetries = 10
    /// The wait between polls when the CA gives no `Retry-After`.
    static let defaultPollInterval: Duration = .seconds(1)

    /// Creates a client of the CA whose directory is at `directoryURL`.
    /// - Parameters:
    ///   - accountKey: the account's key; the same key always finds the same account.
    ///   - contact: the account's contact URLs, `["mailto:ops@example.com"]`.
    ///   - caBundlePath: a PEM file of CAs trusted for the directory's TLS (in tests, pebble's
    ///     own certificate); nil for the system's bundle.
    ///   - logger: where progress goes (at `info` and `debug`); keys and request bodies never do.
    public init(
        directoryURL: String, accountKey: ACMEAccountKey, contact: [String], caBundlePath: String? = nil, logger: Logger? = nil
    ) {
        let http = HTTPClient(configuration: .init(caBundlePath: caBundlePath))
        self.init(directoryURL: directoryURL, accountKey: accountKey, contact: contact, transport: http, logger: logger)
    }

    /// Creates a client that sends its requests through `transport`.
    init(directoryURL: String, accountKey: ACMEAccountKey, contact: [String], transport: any ACMETransport, logger: Logger?) {
        self.directoryURL = directoryURL
        self.accountKey = accountKey
        self.contact = contact
        self.transport = transport
        self.logger = logger
    }

    /// Creates the account of the key, or finds it when it exists (newAccount with
    /// `termsOfServiceAgreed: true`).
    /// - Returns: the account's URL, the `kid` of later requests.
    /// - Throws: `ACMEError.unreachable` when the CA cannot be reached, `.refused` with the
    ///   CA's problem (an invalid contact, say), `.malformedResponse` when it answers without
    ///   a `Location`.
    public func registerAccount() async throws(ACMEError) -> String {
        let directory = try await fetchDirectory()
        let response = try await post(
            directory.newAccount, payload: Self.json(NewAccountPayload(contact: contact)),
            action: "the account registration", signer: .jwk)
        guard let location = response.headers["Location"], !location.isEmpty else {
            throw .malformedResponse(url: directory.newAccount, detail: "newAccount answered without a Location header")
        }
        accountURL = location
        logger?.info("ACME account ready", metadata: ["account": "\(location)", "created": "\(response.status == 201)"])
        return location
    }

    /// The account URL, registering the account first if this client has not yet.
    func account() async throws(ACMEError) -> String {
        if let accountURL { return accountURL }
        return try await registerAccount()
    }
}
