import Foundation
import GantryHTTP
import Synchronization
@testable import GantryACME

/// A CA in a closure: answers each request as `answer` says and records them all.
final class FakeTransport: ACMETransport {
    typealias Answer = @Sendable (_ request: HTTPRequest, _ index: Int) -> HTTPResponse
    private let answer: Answer
    private let hangs: @Sendable (HTTPRequest) -> Bool
    private let recorded = Mutex<[HTTPRequest]>([])

    /// A CA answering as `answer` says, except to requests it `hangs` on: those get no answer
    /// until their timeout (five minutes without one), as from a CA that accepted the connection
    /// and went silent.
    init(hangs: @escaping @Sendable (HTTPRequest) -> Bool = { _ in false }, answer: @escaping Answer) {
        self.hangs = hangs
        self.answer = answer
    }

    var requests: [HTTPRequest] { recorded.withLock { $0 } }

    func perform(_ request: HTTPRequest) async throws(HTTPClientError) -> HTTPResponse {
        let index = recorded.withLock { requests in
            requests.append(request)
            return requests.count - 1
        }
        if hangs(request) {
            try? await Task.sleep(for: request.timeout ?? .seconds(300))
            throw .timedOut(url: request.url, detail: "Operation timed out")
        }
        return answer(request, index)
    }

    /// A CA that serves the directory and a nonce `from-head`, and answers every POST as `post` says.
    static func ca(hangs: @escaping @Sendable (HTTPRequest) -> Bool = { _ in false }, post: @escaping Answer) -> FakeTransport {
        FakeTransport(hangs: hangs) { request, index in
            switch request.method {
            case .get: directory
            case .head: HTTPResponse(status: 200, headers: ["Replay-Nonce": "from-head"])
            default: post(request, index)
            }
        }
    }

    /// The directory every fake CA serves.
    static let directory = HTTPResponse(status: 200, headers: ["Content-Type": "application/json"], body: Array("""
        {"newNonce": "https://ca/nonce", "newAccount": "https://ca/acct", "newOrder": "https://ca/order"}
        """.utf8))

    /// A problem document answer.
    static func problem(_ type: String, status: Int, detail: String, headers: HTTPHeaders = [:]) -> HTTPResponse {
        var headers = headers
        headers["Content-Type"] = "application/problem+json"
        let body = #"{"type": "urn:ietf:params:acme:error:\#(type)", "detail": "\#(detail)", "status": \#(status)}"#
        return HTTPResponse(status: status, headers: headers, body: Array(body.utf8))
    }

    /// The nonce in the protected header of a signed request.
    static func nonce(of request: HTTPRequest) -> String? {
        guard let body = try? JSONSerialization.jsonObject(with: Data(request.body)) as? [String: String],
              let protected = body["protected"].flatMap(Base64URL.decode),
              let header = try? JSONSerialization.jsonObject(with: Data(protected)) as? [String: Any] else { return nil }
        return header["nonce"] as? String
    }
}
