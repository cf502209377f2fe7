import GantryCore
import NIOHTTP1
import Testing

@testable import GantryRouter

/// ACME HTTP-01 answers: the table's checks, and the router answering them on its plain port
/// for any Host, before routing.
@Suite struct ChallengeTableTests {
    let token = "evaGxfADs6pSRb2LAv9IZf17Dt3juxGJ-PCt92wr-oA"

    @Test func publishesAndWithdrawsTokens() throws {
        let table = ChallengeTable()
        try table.publish(token: token, keyAuthorization: token + ".thumb_print-1")
        #expect(table.answer(tokenBytes: Array(token.utf8)) == token + ".thumb_print-1")
        #expect(table.publishedTokens == [token])
        table.withdraw(token: token)
        #expect(table.answer(tokenBytes: Array(token.utf8)) == nil)
        table.withdraw(token: "never-published")
    }

    @Test func rejectsMalformedTokensAndKeyAuthorizations() {
        let table = ChallengeTable()
        #expect(throws: ChallengeError.invalidToken("")) { try table.publish(token: "", keyAuthorization: "a.b") }
        #expect(throws: ChallengeError.invalidToken("a/b")) { try table.publish(token: "a/b", keyAuthorization: "a.b") }
        #expect(throws: ChallengeError.invalidToken("a.b")) { try table.publish(token: "a.b", keyAuthorization: "a.b") }
        let long = String(repeating: "a", count: ChallengeTable.maximumTokenLength + 1)
        #expect(throws: ChallengeError.invalidToken(String(long.prefix(64)))) { try table.publish(token: long, keyAuthorization: "a.b") }
        #expect(throws: ChallengeError.invalidKeyAuthorization) { try table.publish(token: "a", keyAuthorization: "a.b\r\nx: y") }
        #expect(throws: ChallengeError.invalidKeyAuthorization) { try table.publish(token: "a", keyAuthorization: "") }
        #expect(table.answer(tokenBytes: Array("../etc".utf8)) == nil)
        #expect(table.answer(tokenBytes: Array(long.utf8)) == nil)
    }

    @Test func holdsABoundedNumberOfTokens() throws {
        let table = ChallengeTable()
        for index in 0..<ChallengeTable.capacity { try table.publish(token: "t\(index)", keyAuthorization: "k") }
        #expect(throws: ChallengeError.full) { try table.publish(token: "one-more", keyAuthorization: "k") }
        try table.publish(token: "t0", keyAuthorization: "replaced")
        table.withdraw(token: "t1")
        try table.publish(token: "one-more", keyAuthorization: "k")
    }

    @Test func thePlainPortAnswersForAnyHostBeforeRouting() async throws {
        let table = RouteTable()
        let hello = try AppName("hello")
        try await withBackends(1) { backends in
            table.setBackends(app: hello, [backends[0].backend])
            // Even an app that forces HTTPS gets its challenge answered over plain HTTP.
            table.setPolicy(app: hello, RoutePolicy(forceHTTPS: true, hstsSeconds: 60))
            let router = Router(table: table, configuration: RouterConfiguration(host: "127.0.0.1", port: 0, httpsPort: 0))
            let port = try await router.start()
            defer { Task { await router.shutdown() } }
            try router.challenges.publish(token: token, keyAuthorization: token + ".key")
            let path = "/.well-known/acme-challenge/" + token

            for host in ["hello.localhost", "unknown.example.test", ""] {
                let answer = try await TestClient.get(port: port, host: host, path: path)
                #expect(answer.status == 200 && answer.body == token + ".key", "\(host): \(answer)")
                #expect(answer.headers["content-type"] == ["text/plain"])
                #expect(answer.headers["strict-transport-security"].isEmpty)
            }
            let withQuery = try await TestClient.get(port: port, host: "hello.localhost", path: path + "?x=1")
            #expect(withQuery.body == token + ".key")
            for bad in ["/.well-known/acme-challenge/", "/.well-known/acme-challenge/unknown", "/.well-known/acme-challenge/a%2Fb", "/.well-known/acme-challenge/a.b"] {
                let missing = try await TestClient.get(port: port, host: "hello.localhost", path: bad)
                #expect(missing.status == 404, "\(bad)")
                #expect(!missing.body.contains("web-1"))
            }
            let post = try await TestClient.with(port: port) { client in
                try await client.request(method: .POST, host: "hello.localhost", path: path, body: "x")
            }
            #expect(post.status == 405)
            router.challenges.withdraw(token: token)
            #expect(try await TestClient.get(port: port, host: "hello.localhost", path: path).status == 404)
            // Other paths are routed as ever (and redirected: hello forces HTTPS).
            #expect(try await TestClient.get(port: port, host: "hello.localhost", path: "/").status == 308)
            await router.shutdown()
        }
    }
}
