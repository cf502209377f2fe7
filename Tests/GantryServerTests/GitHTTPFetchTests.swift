import Foundation
import GantryClient
import GantryCore
import GantryGit
import GantryTesting
import Testing

/// `git-upload-pack` over smart HTTP as gantryd answers it, request by request.
@Suite struct GitHTTPFetchTests {
    static let advertisement = "/hello.git/info/refs?service=git-upload-pack"
    static let requestType = "application/x-git-upload-pack-request"

    /// The pkt-lines of `body` as text (`flush` for a flush packet).
    func lines(_ body: [UInt8]) throws -> [String] {
        var decoder = PktLineDecoder()
        decoder.append(body)
        var lines: [String] = []
        while let packet = try decoder.next() { lines.append(packet == .flush ? "flush" : packet.text ?? "?") }
        return lines
    }

    /// `bytes` as gzip, by the system's `gzip`.
    func gzip(_ bytes: [UInt8]) async throws -> [UInt8] {
        let gzip = try await Shell.run("/bin/gzip", ["-c"], input: bytes, errors: .discarded, timeout: .seconds(60))
        #expect(gzip.status == 0)
        return gzip.bytes
    }

    @Test func theAdvertisementStartsWithTheServiceLineForProtocolZeroOnly() async throws {
        try await TestServer.with { server in
            _ = try await server.client.createApp("hello")
            let v0 = try await server.gitRequest(.get, Self.advertisement)
            #expect(v0.status == 200)
            #expect(v0.header("Content-Type") == "application/x-git-upload-pack-advertisement")
            #expect(v0.header("Cache-Control")?.contains("no-cache") == true)
            #expect(try lines(v0.body).prefix(2) == ["# service=git-upload-pack", "flush"])

            let v2 = try await server.gitRequest(.get, Self.advertisement, headers: ["Git-Protocol": "version=2"])
            #expect(try lines(v2.body).first == "version 2", "\(v2.text)")
            #expect(!v2.text.contains("# service="))

            // A header that is not key=value of a safe charset never reaches git: protocol v0.
            let hostile = try await server.gitRequest(.get, Self.advertisement, headers: ["Git-Protocol": "version=2;x=$(id)"])
            #expect(try lines(hostile.body).first == "# service=git-upload-pack")
        }
    }

    @Test func aGzippedRequestIsInflatedForGit() async throws {
        try await TestServer.with { server in
            _ = try await server.client.createApp("hello")
            let request = PktLine.encode(line: "command=ls-refs") + PktLine.encode(line: "agent=test") + Array("0001".utf8)
                + PktLine.encode(line: "peel") + PktLine.flushBytes
            let response = try await server.gitRequest(
                .post, "/hello.git/git-upload-pack", contentType: Self.requestType, body: try await gzip(request),
                headers: ["Git-Protocol": "version=2", "Content-Encoding": "gzip"])
            #expect(response.status == 200)
            #expect(response.header("Content-Type") == "application/x-git-upload-pack-result")
            #expect(response.header("Cache-Control")?.contains("no-cache") == true)
            #expect(try lines(response.body) == ["flush"], "an empty repository's refs: \(response.text)")
        }
    }

    @Test func requestsOverTheLimitOrInAnotherEncodingAreRefusedBeforeGitRuns() async throws {
        try await TestServer.with { server in
            _ = try await server.client.createApp("hello")
            let large = try await server.gitRequest(
                .post, "/hello.git/git-upload-pack", contentType: Self.requestType, body: Array(repeating: 0x30, count: (10 << 20) + 1))
            #expect(large.status == 413 && large.text.contains("at most 10485760 bytes"), "\(large.status) \(large.text)")
            let brotli = try await server.gitRequest(
                .post, "/hello.git/git-upload-pack", contentType: Self.requestType, body: PktLine.flushBytes, headers: ["Content-Encoding": "br"])
            #expect(brotli.status == 415)
            let form = try await server.gitRequest(.post, "/hello.git/git-upload-pack", contentType: "application/x-www-form-urlencoded", body: PktLine.flushBytes)
            #expect(form.status == 415)
        }
    }

    @Test func aUserWithoutAccessIsToldWhatACallerNamingNoAppIsTold() async throws {
        try await TestServer.with { server in
            _ = try await server.client.createApp("hello")
            let mia = try await server.client.createUser(name: "mia", role: "member")
            for service in ["git-upload-pack", "git-receive-pack"] {
                let hello = try await server.gitRequest(.get, "/hello.git/info/refs?service=\(service)", password: mia.token)
                let ghost = try await server.gitRequest(.get, "/ghost.git/info/refs?service=\(service)", password: mia.token)
                #expect(hello.status == 404 && ghost.status == 404, "\(service): \(hello.status) \(ghost.status)")
                #expect(hello.text.replacingOccurrences(of: "hello", with: "APP") == ghost.text.replacingOccurrences(of: "ghost", with: "APP"))
                #expect(hello.text.contains("no app named 'hello'"), "\(hello.text)")
            }
        }
    }
}
