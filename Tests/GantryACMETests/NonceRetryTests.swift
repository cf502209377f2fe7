import GantryHTTP
import Testing
@testable import GantryACME

@Suite("ACMEClient nonces and problems")
struct NonceRetryTests {
    static func client(_ transport: FakeTransport) -> ACMEClient {
        ACMEClient(
            directoryURL: "https://ca/dir", accountKey: .generate(), contact: ["mailto:ops@example.com"], transport: transport, logger: nil)
    }

    @Test func badNonceIsRetriedWithTheNonceOfTheRejection() async throws {
        let transport = FakeTransport.ca { request, _ in
            if FakeTransport.nonce(of: request) == "from-head" {
                return FakeTransport.problem(
                    "badNonce", status: 400, detail: "JWS has an invalid anti-replay nonce", headers: ["Replay-Nonce": "from-rejection"])
            }
            return HTTPResponse(status: 201, headers: ["Location": "https://ca/acct/1", "Replay-Nonce": "next"], body: Array("{}".utf8))
        }
        let account = try await Self.client(transport).registerAccount()

        #expect(account == "https://ca/acct/1")
        let posts = transport.requests.filter { $0.method == .post }
        #expect(posts.map(FakeTransport.nonce) == ["from-head", "from-rejection"])
        #expect(posts.allSatisfy { $0.headers["Content-Type"] == "application/jose+json" })
        #expect(transport.requests.filter { $0.method == .head }.count == 1)
    }

    @Test func badNonceEveryTimeGivesUpAfterTenRetries() async {
        let transport = FakeTransport.ca { _, index in
            FakeTransport.problem("badNonce", status: 400, detail: "bad nonce", headers: ["Replay-Nonce": "n\(index)"])
        }
        await #expect {
            _ = try await Self.client(transport).registerAccount()
        } throws: { error in
            guard case .refused(_, let problem) = error as? ACMEError else { return false }
            return problem.isACME("badNonce")
        }
        #expect(transport.requests.filter { $0.method == .post }.count == 1 + ACMEClient.badNonceRetries)
    }

    @Test func rateLimitProblemCarriesRetryAfterIntoTheError() async {
        let transport = FakeTransport.ca { _, _ in
            FakeTransport.problem("rateLimited", status: 429, detail: "too many certificates", headers: ["Retry-After": "3600"])
        }
        await #expect {
            _ = try await Self.client(transport).registerAccount()
        } throws: { error in
            guard let error = error as? ACMEError else { return false }
            return error.retryAfter == .seconds(3600)
                && error.description == "the ACME server refused the account registration: rateLimited: too many certificates (retry after 3600 s)"
        }
        // A rate limit is no bad nonce: asked once.
        #expect(transport.requests.filter { $0.method == .post }.count == 1)
    }

    @Test func aDirectoryThatIsNoDirectoryIsMalformed() async {
        let transport = FakeTransport { _, _ in HTTPResponse(status: 200, body: Array(#"{"newNonce": "x"}"#.utf8)) }
        await #expect {
            _ = try await Self.client(transport).registerAccount()
        } throws: { error in
            guard case .malformedResponse(let url, let detail) = error as? ACMEError else { return false }
            return url == "https://ca/dir" && detail.contains("newAccount")
        }
    }
}
