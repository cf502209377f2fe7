import GantryHTTP
import Testing
@testable import GantryACME

/// The issuance flow against a scripted CA, for what pebble will not do on demand.
@Suite("ACMEClient issuance flow")
struct IssueFlowTests {
    /// A CA whose one authorization (for `a.example`, challenge token `token`) stays pending.
    static func stuckCA(token: String, hangs: @escaping @Sendable (HTTPRequest) -> Bool = { _ in false }) -> FakeTransport {
        FakeTransport.ca(hangs: hangs) { request, _ in
            switch request.url {
            case "https://ca/acct":
                return HTTPResponse(status: 201, headers: ["Location": "https://ca/acct/1"], body: Array("{}".utf8))
            case "https://ca/order":
                return HTTPResponse(status: 201, headers: ["Location": "https://ca/order/1"], body: Array("""
                    {"status": "pending", "identifiers": [{"type": "dns", "value": "a.example"}],
                     "authorizations": ["https://ca/authz/1"], "finalize": "https://ca/order/1/finalize"}
                    """.utf8))
            case "https://ca/authz/1":
                return HTTPResponse(status: 200, body: Array("""
                    {"status": "pending", "identifier": {"type": "dns", "value": "a.example"},
                     "challenges": [{"type": "http-01", "url": "https://ca/chall/1", "status": "pending", "token": "\(token)"}]}
                    """.utf8))
            case "https://ca/chall/1":
                return HTTPResponse(status: 200, body: Array(#"{"type": "http-01", "url": "https://ca/chall/1", "status": "processing"}"#.utf8))
            default:
                return HTTPResponse(status: 404)
            }
        }
    }

    static func client(_ transport: FakeTransport) -> ACMEClient {
        ACMEClient(directoryURL: "https://ca/dir", accountKey: .generate(), contact: [], transport: transport, logger: nil)
    }

    @Test func aValidationThatNeverEndsTimesOutAndWithdrawsTheToken() async {
        let responder = TestHTTP01Responder()
        let start = ContinuousClock.now
        await #expect {
            _ = try await Self.client(Self.stuckCA(token: "tok_1")).issue(
                domains: ["a.example"], responder: responder, timeout: .milliseconds(2500))
        } throws: { error in
            guard case .timedOut(let waitingFor, let limit) = error as? ACMEError else { return false }
            return waitingFor == "the validation of a.example" && limit == .milliseconds(2500)
        }
        // The timeout is proven by the error; this bound only catches a hang (a loaded unit pass
        // took 10.05 s against the 10 s this bound was).
        #expect(ContinuousClock.now - start < .seconds(30))
        #expect(responder.everPublished == ["tok_1"])
        #expect(responder.published.isEmpty)
    }

    @Test func aCAThatGoesSilentIsGivenOnlyTheTimeLeft() async {
        let transport = Self.stuckCA(token: "tok_2", hangs: { $0.url == "https://ca/chall/1" })
        let responder = TestHTTP01Responder()
        let start = ContinuousClock.now
        await #expect {
            _ = try await Self.client(transport).issue(domains: ["a.example"], responder: responder, timeout: .seconds(1))
        } throws: { error in
            guard case .timedOut(let waitingFor, let limit) = error as? ACMEError else { return false }
            return waitingFor == "the challenge of a.example" && limit == .seconds(1)
        }
        // Not the five minutes of a request without a deadline (its own limit is checked below);
        // a loaded unit pass gave this 1 s timeout 21 s.
        #expect(ContinuousClock.now - start < .seconds(120))
        let challengeRequest = transport.requests.first { $0.url == "https://ca/chall/1" }
        #expect(challengeRequest?.timeout.map { $0 <= .seconds(1) } == true)
        #expect(responder.published.isEmpty)
    }

    @Test func aTokenThatIsNoBase64URLIsNeverPublished() async {
        let responder = TestHTTP01Responder()
        await #expect {
            _ = try await Self.client(Self.stuckCA(token: "../../etc")).issue(domains: ["a.example"], responder: responder)
        } throws: { error in
            guard case .malformedResponse(_, let detail) = error as? ACMEError else { return false }
            return detail.contains("a.example")
        }
        #expect(responder.everPublished.isEmpty)
    }
}
