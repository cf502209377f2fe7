import Foundation
import GantryHTTP
import Testing
@testable import GantryACME

@Suite("ACMEProblem")
struct ACMEProblemTests {
    @Test func subproblemsAreSummarisedWithTheirIdentifiers() {
        let body = """
            {"type": "urn:ietf:params:acme:error:rejectedIdentifier", "detail": "Some names were refused", "status": 400,
             "subproblems": [
               {"type": "urn:ietf:params:acme:error:caa", "detail": "CAA record forbids issuance",
                "identifier": {"type": "dns", "value": "www.example.com"}},
               {"type": "urn:ietf:params:acme:error:rejectedIdentifier", "detail": "blocked",
                "identifier": {"type": "dns", "value": "bad.example"}}]}
            """
        let problem = ACMEProblem(response: 400, body: Array(body.utf8), retryAfter: nil)
        #expect(problem.shortType == "rejectedIdentifier")
        #expect(problem.status == 400)
        #expect(problem.subproblems.map(\.identifier) == ["www.example.com", "bad.example"])
        #expect(problem.description
            == "rejectedIdentifier: Some names were refused; www.example.com: caa: CAA record forbids issuance; bad.example: rejectedIdentifier: blocked")
    }

    @Test func aBodyThatIsNoProblemDocumentStillNamesTheStatus() {
        let problem = ACMEProblem(response: 502, body: Array("<html>Bad Gateway</html>".utf8), retryAfter: nil)
        #expect(problem.type == "about:blank")
        #expect(problem.status == 502)
        #expect(problem.description == "about:blank: HTTP 502: <html>Bad Gateway</html>")
    }

    @Test func retryAfterIsReadAsSecondsOrAsAnHTTPDate() {
        #expect(ACMEClient.retryAfter(in: ["Retry-After": "120"]) == .seconds(120))
        #expect(ACMEClient.retryAfter(in: ["Retry-After": "soon"]) == nil)
        #expect(ACMEClient.retryAfter(in: [:]) == nil)
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.timeZone = TimeZone(identifier: "GMT")
        formatter.dateFormat = "EEE, dd MMM yyyy HH:mm:ss 'GMT'"
        let inTenMinutes = formatter.string(from: Date() + 600)
        let parsed = ACMEClient.retryAfter(in: ["Retry-After": inTenMinutes])
        #expect(parsed.map { $0 > .seconds(590) && $0 <= .seconds(601) } == true)
    }

    @Test func challengeFailureNamesTheDomainAndTheCAsReason() {
        let error = ACMEError.challengeFailed(
            domain: "www.example.com",
            problem: ACMEProblem(type: "urn:ietf:params:acme:error:connection", detail: "127.0.0.1: Connection refused"))
        #expect(error.description.contains("www.example.com"))
        #expect(error.description.hasSuffix("connection: 127.0.0.1: Connection refused"))
        #expect(error.retryAfter == nil)
    }
}
