import GantryACME
import GantryTesting
import Synchronization

/// A real HTTP-01 responder: a `TestHTTPServer` on 127.0.0.1 answering
/// `/.well-known/acme-challenge/TOKEN` with what was published. Records every token ever
/// published, to check that all were withdrawn.
final class TestHTTP01Responder: HTTP01Responder {
    /// What the server answers for a published token.
    enum Behaviour: Sendable {
        /// The key authorization, as it should.
        case correct
        /// A key authorization for some other account key.
        case wrongKeyAuthorization
    }

    private let behaviour: Behaviour
    private let state = Mutex<(current: [String: String], ever: [String])>(([:], []))

    init(_ behaviour: Behaviour = .correct) { self.behaviour = behaviour }

    /// Tokens published and not withdrawn.
    var published: [String: String] { state.withLock { $0.current } }
    /// Every token ever published, in order.
    var everPublished: [String] { state.withLock { $0.ever } }

    func publish(token: String, keyAuthorization: String) async {
        let answer = behaviour == .correct ? keyAuthorization : token + ".dGhpcyBpcyBub3QgdGhlIGFjY291bnQga2V5"
        state.withLock { state in
            state.current[token] = answer
            state.ever.append(token)
        }
    }

    func withdraw(token: String) async {
        _ = state.withLock { $0.current.removeValue(forKey: token) }
    }

    /// The server's reply to `request`.
    func reply(to request: TestHTTPServer.Request) -> TestHTTPServer.Reply {
        let prefix = "/.well-known/acme-challenge/"
        guard request.method == "GET", request.target.hasPrefix(prefix),
              let answer = published[String(request.target.dropFirst(prefix.count))] else {
            return .answer(.init(status: 404, body: "no such token"))
        }
        return .answer(.init(status: 200, headers: ["Content-Type": "application/octet-stream"], body: answer))
    }
}

/// Runs `body` with a responder served on a random port and a pebble validating on it.
func withPebbleAndResponder<T>(
    _ behaviour: TestHTTP01Responder.Behaviour = .correct, domainBlocklist: [String] = [], certificateValidity: Duration? = nil,
    _ body: (Pebble, TestHTTP01Responder) async throws -> T
) async throws -> T {
    let responder = TestHTTP01Responder(behaviour)
    return try await withServer(responder: { request, _ in responder.reply(to: request) }) { server in
        try await withPebble(httpPort: server.port, domainBlocklist: domainBlocklist, certificateValidity: certificateValidity) { pebble in
            try await body(pebble, responder)
        }
    }
}

extension Pebble {
    /// A client of this pebble with `key`.
    func client(_ key: ACMEAccountKey = .generate()) -> ACMEClient {
        ACMEClient(directoryURL: directoryURL, accountKey: key, contact: ["mailto:ops@example.com"], caBundlePath: caBundlePath)
    }
}
