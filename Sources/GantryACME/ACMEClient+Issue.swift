import Crypto
import Foundation

extension ACMEClient {
    /// Has one certificate issued for `domains`: one order, HTTP-01 for each authorization
    /// (key authorizations published through `responder`), a fresh P-256 key, a CSR, the
    /// download. Registers the account first if this client has not yet.
    ///
    /// Every token published is withdrawn before this returns, whether it succeeds or not.
    /// - Parameters:
    ///   - domains: lower-case ASCII (or punycode) names, already validated; the first is the
    ///     subject's CN. At least one.
    ///   - timeout: the limit for the whole issuance: each request (from the order on) and
    ///     each poll may take only what is left of it.
    /// - Returns: the chain, its new key and the leaf's validity.
    /// - Throws: `ACMEError.challengeFailed` naming the domain the CA could not validate,
    ///   `.refused` with the CA's problem (a rate limit, a refused name), `.orderInvalid`,
    ///   `.timedOut`, `.unreachable`, `.malformedResponse`, `.cancelled`.
    public func issue(
        domains: [String], responder: any HTTP01Responder, timeout: Duration = .seconds(120)
    ) async throws(ACMEError) -> IssuedCertificate {
        precondition(!domains.isEmpty, "an ACME order needs at least one domain")
        var published: [String] = []
        do {
            let certificate = try await order(domains, responder: responder, deadline: Deadline(after: timeout), published: &published)
            await withdraw(published, from: responder)
            return certificate
        } catch {
            await withdraw(published, from: responder)
            throw error
        }
    }

    private func order(
        _ domains: [String], responder: any HTTP01Responder, deadline: Deadline, published: inout [String]
    ) async throws(ACMEError) -> IssuedCertificate {
        let signer = JWS.Signer.kid(try await account())
        let directory = try await fetchDirectory()
        let names = domains.joined(separator: ", ")
        let created = try await post(
            directory.newOrder, payload: Self.json(NewOrderPayload(identifiers: domains.map(ACMEIdentifier.dns))),
            action: "the order for \(names)", signer: signer, deadline: deadline)
        guard let orderURL = created.headers["Location"], !orderURL.isEmpty else {
            throw .malformedResponse(url: directory.newOrder, detail: "newOrder answered without a Location header")
        }
        var order = try Self.decode(ACMEOrder.self, created, url: directory.newOrder)
        logger?.info("ACME order created", metadata: ["order": "\(orderURL)", "domains": "\(names)"])

        var started: [(url: String, domain: String)] = []
        for url in order.authorizations {
            if let domain = try await startChallenge(url, responder: responder, signer: signer, deadline: deadline, published: &published) {
                started.append((url, domain))
            }
        }
        for (url, domain) in started {
            let authorization = try await poll(
                url, as: ACMEAuthorization.self, waitingFor: "the validation of \(domain)", deadline: deadline, signer: signer,
                until: { $0.status != "pending" })
            guard authorization.status == "valid" else { throw Self.failure(of: authorization) }
        }

        if order.status == "pending" {
            order = try await poll(
                orderURL, as: ACMEOrder.self, waitingFor: "the order for \(names) to become ready", deadline: deadline,
                signer: signer, until: { $0.status != "pending" })
        }
        guard order.status == "ready" else { throw .orderInvalid(domains: domains, problem: order.error.map { ACMEProblem(document: $0) }) }
        return try await finalize(order, at: orderURL, domains: domains, deadline: deadline, signer: signer)
    }

    /// Publishes the HTTP-01 key authorization of the authorization at `url` and asks the
    /// CA to validate it.
    /// - Returns: the domain when validation was started; nil when the authorization was
    ///   valid already (the CA reused an earlier one).
    private func startChallenge(
        _ url: String, responder: any HTTP01Responder, signer: JWS.Signer, deadline: Deadline, published: inout [String]
    ) async throws(ACMEError) -> String? {
        let response = try await post(url, payload: nil, action: "the authorization request", signer: signer, deadline: deadline)
        let authorization = try Self.decode(ACMEAuthorization.self, response, url: url)
        let domain = authorization.identifier.value
        switch authorization.status {
        case "valid":
            return nil
        case "pending":
            break
        default:
            throw Self.failure(of: authorization)
        }
        guard let challenge = authorization.challenges.first(where: { $0.type == "http-01" }) else {
            throw .malformedResponse(url: url, detail: "the authorization of \(domain) offers no http-01 challenge")
        }
        // The token becomes a URL path on the router: only base64url characters (RFC 8555 §8.3).
        guard let token = challenge.token, !token.isEmpty, token.allSatisfy(Self.isBase64URLCharacter) else {
            throw .malformedResponse(url: url, detail: "the http-01 challenge of \(domain) has no valid token")
        }
        await responder.publish(token: token, keyAuthorization: accountKey.keyAuthorization(for: token))
        published.append(token)
        if challenge.status == "pending" {
            _ = try await post(
                challenge.url, payload: Self.json(EmptyPayload()), action: "the challenge of \(domain)", signer: signer, deadline: deadline)
        }
        logger?.debug("ACME HTTP-01 challenge started", metadata: ["domain": "\(domain)"])
        return domain
    }

    /// Sends the CSR with a new key, waits for the certificate and downloads it.
    private func finalize(
        _ order: ACMEOrder, at orderURL: String, domains: [String], deadline: Deadline, signer: JWS.Signer
    ) async throws(ACMEError) -> IssuedCertificate {
        let names = domains.joined(separator: ", ")
        let key = P256.Signing.PrivateKey()
        let csr = try CertificateRequest.der(domains: domains, key: key)
        let finalized = try await post(
            order.finalize, payload: Self.json(FinalizePayload(csr: Base64URL.encode(csr))),
            action: "the finalization of the order for \(names)", signer: signer, deadline: deadline)
        var order = try Self.decode(ACMEOrder.self, finalized, url: order.finalize)
        if order.status != "valid" && order.status != "invalid" {
            order = try await poll(
                orderURL, as: ACMEOrder.self, waitingFor: "the certificate for \(names)", deadline: deadline, signer: signer,
                until: { $0.status == "valid" || $0.status == "invalid" })
        }
        guard order.status == "valid" else { throw .orderInvalid(domains: domains, problem: order.error.map { ACMEProblem(document: $0) }) }
        guard let certificateURL = order.certificate else {
            throw .malformedResponse(url: orderURL, detail: "the valid order for \(names) has no certificate URL")
        }
        let download = try await post(
            certificateURL, payload: nil, action: "the certificate download", signer: signer,
            accept: "application/pem-certificate-chain", deadline: deadline)
        let certificate = try IssuedCertificate(chainPEM: download.bodyText, keyPEM: key.pemRepresentation, url: certificateURL)
        logger?.info("ACME certificate issued", metadata: ["domains": "\(names)", "notAfter": "\(certificate.notAfter)"])
        return certificate
    }

    private func withdraw(_ tokens: [String], from responder: any HTTP01Responder) async {
        for token in tokens { await responder.withdraw(token: token) }
    }

    /// The error for an authorization that is not valid: its HTTP-01 challenge's problem.
    private static func failure(of authorization: ACMEAuthorization) -> ACMEError {
        let challenge = authorization.challenges.first { $0.type == "http-01" && $0.error != nil }
            ?? authorization.challenges.first { $0.error != nil }
        var problem = challenge?.error.map { ACMEProblem(document: $0) }
        if problem == nil, authorization.status != "invalid" {
            problem = ACMEProblem(type: "about:blank", detail: "the authorization is \(authorization.status)")
        }
        return .challengeFailed(domain: authorization.identifier.value, problem: problem)
    }

    private static func isBase64URLCharacter(_ character: Character) -> Bool {
        character.isASCII && (character.isLetter || character.isNumber || character == "-" || character == "_")
    }
}
