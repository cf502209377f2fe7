import Crypto
import Foundation
import GantryACME
import GantryTesting
import SwiftASN1
import Testing
import X509

/// The client against the real pebble CA: one pebble (and one HTTP-01 responder) per test.
@Suite("ACMEClient against pebble")
struct PebbleIssuanceTests {
    @Test func issuesACertificateForTwoNamesThatVerifiesAgainstPebblesRoot() async throws {
        try await withPebbleAndResponder { pebble, responder in
            let accountKey = ACMEAccountKey.generate()
            let issued = try await pebble.client(accountKey).issue(domains: ["www.example.com", "example.com"], responder: responder)

            let chain = try PEMDocument.parseMultiple(pemString: issued.chainPEM).map { try Certificate(pemDocument: $0) }
            let leaf = try #require(chain.first)
            #expect(chain.count >= 2)
            let root = try Certificate(pemEncoded: try await pebble.rootPEM())
            var verifier = Verifier(rootCertificates: CertificateStore([root])) { RFC5280Policy() }
            let result = await verifier.validate(leaf: leaf, intermediates: CertificateStore(chain.dropFirst()))
            guard case .validCertificate = result else {
                Issue.record("the chain does not verify against pebble's root: \(result)")
                return
            }

            let names = try leaf.extensions.subjectAlternativeNames.map { Array($0) } ?? []
            #expect(Set(names) == [.dnsName("www.example.com"), .dnsName("example.com")])
            let key = try P256.Signing.PrivateKey(pemRepresentation: issued.keyPEM)
            #expect(issued.keyPEM.hasPrefix("-----BEGIN PRIVATE KEY-----"))
            #expect(Certificate.PublicKey(key.publicKey) == leaf.publicKey)
            #expect(issued.keyPEM != accountKey.pemRepresentation)
            let accountPublicKey = try P256.Signing.PrivateKey(pemRepresentation: accountKey.pemRepresentation).publicKey
            #expect(Certificate.PublicKey(accountPublicKey) != leaf.publicKey)
            #expect(issued.notBefore == leaf.notValidBefore && issued.notAfter == leaf.notValidAfter)
            #expect(issued.notAfter > Date() + 86_400 * 365)  // pebble's default: 5 years

            #expect(responder.everPublished.count == 2)  // a new account: no authorization to reuse
            #expect(responder.published.isEmpty)
        }
    }

    @Test func registeringTheSameKeyTwiceFindsTheSameAccount() async throws {
        try await withPebbleAndResponder { pebble, _ in
            let key = ACMEAccountKey.generate()
            let first = try await pebble.client(key).registerAccount()
            let again = try await pebble.client(try ACMEAccountKey(pemRepresentation: key.pemRepresentation)).registerAccount()
            let other = try await pebble.client().registerAccount()
            #expect(first.hasPrefix("https://127.0.0.1:"))
            #expect(again == first)
            #expect(other != first)
        }
    }

    @Test func certificateLifetimeFollowsPebblesValidityPeriod() async throws {
        try await withPebbleAndResponder(certificateValidity: .seconds(90)) { pebble, responder in
            let issued = try await pebble.client().issue(domains: ["short.example"], responder: responder)
            let lifetime = issued.notAfter.timeIntervalSince(issued.notBefore)
            #expect(lifetime > 80 && lifetime <= 90)
        }
    }

    @Test func aChallengeNothingAnswersFailsNamingTheDomainWithPebblesReason() async throws {
        let responder = TestHTTP01Responder()
        try await withPebble(httpPort: RefusedPort.shared.port) { pebble in
            await #expect {
                _ = try await pebble.client().issue(domains: ["nobody.example"], responder: responder)
            } throws: { error in
                guard case .challengeFailed(let domain, let problem) = error as? ACMEError else { return false }
                return domain == "nobody.example" && problem?.detail.lowercased().contains("connection refused") == true
                    && "\(error)".contains("nobody.example")
            }
            #expect(responder.everPublished.count == 1)
            #expect(responder.published.isEmpty)
        }
    }

    @Test func aWrongKeyAuthorizationFailsTheChallengeAndWithdrawsTheToken() async throws {
        try await withPebbleAndResponder(.wrongKeyAuthorization) { pebble, responder in
            await #expect {
                _ = try await pebble.client().issue(domains: ["wrong.example"], responder: responder)
            } throws: { error in
                guard case .challengeFailed(let domain, let problem) = error as? ACMEError else { return false }
                return domain == "wrong.example" && problem?.shortType == "unauthorized"
                    && problem?.detail.contains("did not match") == true
            }
            #expect(responder.everPublished.count == 1)
            #expect(responder.published.isEmpty)
        }
    }

    @Test func aNameTheCARefusesGivesItsProblemInOneLine() async throws {
        try await withPebbleAndResponder(domainBlocklist: ["blocked.example"]) { pebble, responder in
            await #expect {
                _ = try await pebble.client().issue(domains: ["ok.example", "blocked.example"], responder: responder)
            } throws: { error in
                guard case .refused(let action, let problem) = error as? ACMEError else { return false }
                return action == "the order for ok.example, blocked.example" && problem.shortType == "rejectedIdentifier"
                    && problem.status == 400 && "\(error)".hasPrefix("the ACME server refused the order for ok.example, blocked.example: rejectedIdentifier: ")
                    && "\(error)".contains("blocked.example") && !"\(error)".contains("\n")
            }
            #expect(responder.everPublished.isEmpty)
        }
    }

    /// Pebble told to reject 20% of good nonces (its default is 5%): 40 registrations meet
    /// some 8 rejections, each retried with the nonce of the rejection. None at all comes
    /// once in 7,500 runs; a registration failing 11 times in a row, once in 10⁶.
    @Test func registrationGetsThroughPebblesNonceRejections() async throws {
        try await withPebble(httpPort: RefusedPort.shared.port, environment: ["PEBBLE_WFE_NONCEREJECT": "20"]) { pebble in
            let retries = RetryCounter()
            let client = ACMEClient(
                directoryURL: pebble.directoryURL, accountKey: .generate(), contact: [], caBundlePath: pebble.caBundlePath,
                logger: retries.logger)
            var accounts: Set<String> = []
            // Without retries, 40 registrations would all pass 20% rejections once in 7,500 runs;
            // how many retries were logged is not asserted (NonceRetryTests counts them exactly).
            for _ in 0..<40 { accounts.insert(try await client.registerAccount()) }
            #expect(accounts.count == 1, "\(retries.count) retries")
        }
    }

    @Test func anUnreachableDirectoryFailsFastWithUnreachable() async throws {
        let url = "https://127.0.0.1:\(RefusedPort.shared.port)/dir"
        let start = ContinuousClock.now
        await #expect {
            _ = try await ACMEClient(directoryURL: url, accountKey: .generate(), contact: []).registerAccount()
        } throws: { error in
            guard case .unreachable(let failedURL, let detail) = error as? ACMEError else { return false }
            return failedURL == url && !detail.isEmpty && "\(error)".contains(url)
        }
        // Refused at once, not after the 30 s request limit (a loaded machine running the whole
        // unit pass in parallel once took 6 s to say so).
        #expect(ContinuousClock.now - start < .seconds(20))
    }

    @Test func pebblesTLSIsNotTrustedWithoutItsCABundle() async throws {
        _ = try await withPebbleAndResponder { pebble, _ in
            await #expect {
                _ = try await ACMEClient(directoryURL: pebble.directoryURL, accountKey: .generate(), contact: []).registerAccount()
            } throws: { error in
                guard case .unreachable(_, let detail) = error as? ACMEError else { return false }
                return detail.lowercased().contains("certificate")
            }
        }
    }
}
