import Foundation
import Testing
@testable import GantryHTTP
import GantryTesting

@Suite("HTTPClient")
struct HTTPClientTests {
    let client = HTTPClient()

    @Test func sendsMethodHeadersAndBodyAndReturnsTheAnswer() async throws {
        try await withServer(.init(status: 201, headers: ["X-Reply": "yes"], body: "made")) { server in
            let response = try await client.perform(HTTPRequest(
                method: .put, url: server.url + "/things/1?x=y",
                headers: ["X-Test": "one", "Content-Type": "text/plain"], body: Array("hello".utf8)))

            #expect(response.status == 201)
            #expect(response.bodyText == "made")
            #expect(response.headers["x-reply"] == "yes")
            #expect(response.headers["Content-Length"] == "4")
            let request = try #require(server.requests.first)
            #expect(request.method == "PUT")
            #expect(request.target == "/things/1?x=y")
            #expect(request.headers["x-test"] == "one")
            #expect(request.headers["content-type"] == "text/plain")
            #expect(request.headers["user-agent"]?.hasPrefix("gantry/") == true)
            #expect(request.headers["expect"] == nil)
            #expect(request.bodyText == "hello")
        }
    }

    @Test func getSendsNoBody() async throws {
        try await withServer(.init(status: 200, body: "ok")) { server in
            _ = try await client.perform(HTTPRequest(url: server.url + "/"))
            let request = try #require(server.requests.first)
            #expect(request.method == "GET")
            #expect(request.body.isEmpty)
            #expect(request.headers["content-length"] == nil)
        }
    }

    @Test func emptyPostSendsZeroLengthWithoutFormContentType() async throws {
        try await withServer(.init(status: 204)) { server in
            let response = try await client.perform(HTTPRequest(method: .post, url: server.url + "/hooks"))
            #expect(response.status == 204)
            #expect(response.body.isEmpty)
            let request = try #require(server.requests.first)
            #expect(request.method == "POST")
            #expect(request.headers["content-length"] == "0")
            #expect(request.headers["content-type"] == nil)
        }
    }

    @Test func errorStatusesAreResponsesNotThrows() async throws {
        try await withServer(.init(status: 503, body: "busy")) { server in
            let response = try await client.perform(HTTPRequest(method: .delete, url: server.url + "/x"))
            #expect(response.status == 503)
            #expect(!response.isSuccess)
            #expect(response.bodyText == "busy")
            #expect(server.requests.first?.method == "DELETE")
        }
    }

    @Test func closedPortCannotConnect() async throws {
        let url = "http://127.0.0.1:\(RefusedPort.shared.port)/"
        await #expect {
            _ = try await client.perform(HTTPRequest(url: url))
        } throws: { error in
            guard case .cannotConnect(let failedURL, let detail) = error as? HTTPClientError else { return false }
            return failedURL == url && detail.contains("onnect")
        }
    }

    @Test func missingUnixSocketCannotConnect() async throws {
        let path = FileManager.default.temporaryDirectory.path + "/gantry-missing-\(UUID().uuidString).sock"
        let client = HTTPClient(configuration: .init(usesProxy: false, unixSocketPath: path))
        await #expect {
            _ = try await client.perform(HTTPRequest(url: "http://localhost/v1.41/_ping"))
        } throws: { error in
            guard case .cannotConnect(let url, _) = error as? HTTPClientError else { return false }
            return url == "http://localhost/v1.41/_ping"
        }
    }

    @Test func silentServerTimesOut() async throws {
        try await withServer(nil) { server in
            let start = ContinuousClock.now
            await #expect {
                _ = try await client.perform(HTTPRequest(url: server.url + "/slow", timeout: .milliseconds(300)))
            } throws: { error in
                guard case .timedOut = error as? HTTPClientError else { return false }
                return true
            }
            // Far from a hang, and from what a loaded machine running every suite at once makes
            // of 300 ms (5.1 s once).
            #expect(ContinuousClock.now - start < .seconds(20))
        }
    }

    @Test func cancellingTheTaskAbortsTheTransfer() async throws {
        try await withServer(nil) { server in
            let client = client
            let task = Task { try await client.perform(HTTPRequest(url: server.url + "/forever")) }
            try await Task.sleep(for: .milliseconds(200))
            let start = ContinuousClock.now
            task.cancel()
            await #expect(throws: HTTPClientError.cancelled(url: server.url + "/forever")) { try await task.value }
            #expect(ContinuousClock.now - start < .seconds(10))  // far below "forever"; a busy machine may be slow
        }
    }

    @Test func oversizedBodyIsRefused() async throws {
        try await withServer(.init(status: 200, body: String(repeating: "x", count: 1000))) { server in
            let small = HTTPClient(configuration: .init(maximumResponseSize: 100))
            await #expect(throws: HTTPClientError.responseTooLarge(url: server.url, limit: 100)) {
                _ = try await small.perform(HTTPRequest(url: server.url))
            }
        }
    }

    @Test(arguments: ["file:///etc/passwd", "ftp://127.0.0.1/", "not a url"])
    func onlyHTTPURLsAreAccepted(url: String) async {
        await #expect {
            _ = try await client.perform(HTTPRequest(url: url))
        } throws: { error in
            guard case .invalidRequest = error as? HTTPClientError else { return false }
            return true
        }
    }

    @Test func caBundlePathTrustsAPrivateCAWhichTheSystemBundleDoesNot() async throws {
        // pebble serves HTTPS with a certificate of GantryTesting's own test CA.
        try await withPebble(httpPort: RefusedPort.shared.port) { pebble in
            let trusting = HTTPClient(configuration: .init(caBundlePath: pebble.caBundlePath))
            let response = try await trusting.perform(HTTPRequest(url: pebble.directoryURL))
            #expect(response.status == 200)
            #expect(response.bodyText.contains("newNonce"))
            await #expect {
                _ = try await client.perform(HTTPRequest(url: pebble.directoryURL))
            } throws: { error in
                guard case .transferFailed(_, _, let detail) = error as? HTTPClientError else { return false }
                return detail.lowercased().contains("certificate")
            }
        }
    }

    @Test func emptyHeaderValuesAreSentNotDropped() {
        let lines = CurlTransfer.headerLines(for: HTTPRequest(url: "http://x/", headers: ["X-Empty": ""]))
        #expect(lines == ["X-Empty;", "Expect:"])
    }

    @Test func headersCompareNamesCaseInsensitively() {
        var headers: HTTPHeaders = ["Content-Type": "text/plain"]
        #expect(headers["content-type"] == "text/plain")
        headers["CONTENT-TYPE"] = "application/json"
        #expect(headers.fields == [.init(name: "CONTENT-TYPE", value: "application/json")])
        headers.add(name: "Set-Cookie", value: "a")
        headers.add(name: "set-cookie", value: "b")
        #expect(headers.values(for: "Set-Cookie") == ["a", "b"])
    }
}
