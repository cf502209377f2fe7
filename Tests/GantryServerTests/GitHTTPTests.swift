import Foundation
import GantryClient
import GantryCore
import GantryGit
import Testing

@Suite struct GitHTTPTests {
    @Test func advertisesCapabilitiesForAnEmptyRepository() async throws {
        try await TestServer.with { server in
            _ = try await server.client.createApp("hello")
            let response = try await server.gitRequest(.get, "/hello.git/info/refs?service=git-receive-pack")
            #expect(response.status == 200)
            #expect(response.header("Content-Type") == "application/x-git-receive-pack-advertisement")
            #expect(response.header("Cache-Control")?.contains("no-cache") == true)
            var decoder = PktLineDecoder()
            decoder.append(response.body)
            #expect(try decoder.next()?.text == "# service=git-receive-pack")
            #expect(try decoder.next() == .flush)
            let first = try #require(try decoder.next()?.text)
            #expect(first.hasPrefix(ObjectID.zero.hex + " capabilities^{}\0"))
            for capability in ["report-status", "side-band-64k", "atomic", "delete-refs", "ofs-delta", "push-options", "agent=gantry/"] {
                #expect(first.contains(capability))
            }
            #expect(try decoder.next() == .flush)
        }
    }

    @Test func asksForCredentialsWithBasicAuth() async throws {
        try await TestServer.with { server in
            _ = try await server.client.createApp("hello")
            let response = try await server.gitRequest(.get, "/hello.git/info/refs?service=git-receive-pack", password: "wrong")
            #expect(response.status == 401)
            #expect(response.header("WWW-Authenticate")?.hasPrefix("Basic") == true)
        }
    }

    @Test func unknownAndInvalidAppsAreExplainedInPlainText() async throws {
        try await TestServer.with { server in
            let unknown = try await server.gitRequest(.get, "/ghost.git/info/refs?service=git-receive-pack")
            #expect(unknown.status == 404)
            #expect(unknown.header("Content-Type")?.hasPrefix("text/plain") == true)
            #expect(unknown.text.contains("gantry apps:create ghost"))
            let invalid = try await server.gitRequest(.get, "/Bad_Name.git/info/refs?service=git-receive-pack")
            #expect(invalid.status == 400)
            #expect(invalid.text.contains("invalid app name"))
        }
    }

    @Test func theLargePushProbeGetsAnEmptyAnswer() async throws {
        try await TestServer.with { server in
            _ = try await server.client.createApp("hello")
            let response = try await server.gitRequest(
                .post, "/hello.git/git-receive-pack", contentType: "application/x-git-receive-pack-request", body: PktLine.flushBytes)
            #expect(response.status == 200)
            #expect(response.body.isEmpty)
        }
    }

    @Test func malformedPktLineIsABadRequestAndChangesNothing() async throws {
        try await TestServer.with { server in
            _ = try await server.client.createApp("hello")
            let response = try await server.gitRequest(
                .post, "/hello.git/git-receive-pack", contentType: "application/x-git-receive-pack-request", body: Array("zzzzgarbage".utf8))
            #expect(response.status == 400)
            #expect(response.text.contains("malformed pkt-line"))
            #expect(try Repository.open(at: server.dataDirectory.repository(for: AppName("hello"))).references().isEmpty)
        }
    }

    @Test func pushOverTheLimitIsRefusedInTheReport() async throws {
        try await TestServer.with(maxPushBytes: 200) { server in
            _ = try await server.client.createApp("hello")
            let command = "\(ObjectID.zero.hex) \(String(repeating: "1", count: 40)) refs/heads/main\0report-status side-band-64k\n"
            let body = PktLine.encode(Array(command.utf8)) + PktLine.flushBytes + Array("PACK".utf8) + [UInt8](repeating: 7, count: 200)
            let response = try await server.gitRequest(.post, "/hello.git/git-receive-pack", contentType: "application/x-git-receive-pack-request", body: body)
            #expect(response.status == 200)
            #expect(response.text.contains("unpack push is larger than the limit of 200 bytes"))
            #expect(response.text.contains("ng refs/heads/main unpacker error"))
        }
    }

    @Test func aBodyNoGitWouldSendGetsA413() async throws {
        try await TestServer.with(maxPushBytes: 100) { server in
            _ = try await server.client.createApp("hello")
            let response = try await server.gitRequest(
                .post, "/hello.git/git-receive-pack", contentType: "application/x-git-receive-pack-request", body: Array(repeating: 0x30, count: 1 << 20 + 500))
            #expect(response.status == 413)
            #expect(response.text.contains("larger than the limit of 100 bytes"))
        }
    }
}
