import Foundation
import GantryCore
import GantryTesting
import Synchronization
import Testing

@testable import GantryRouter

/// HTTP/2 on the HTTPS port (ALPN `h2`), driven by the real curl: each stream is proxied to the
/// app over HTTP/1.1 exactly like an HTTP/1 request.
@Suite struct HTTP2Tests {
    let hello = try! AppName("hello")
    let names = ["www.example.test", "shop.example.test"]

    /// A table with hello at www.example.test (and its certificate), other at shop.example.test (no certificate).
    private func withH2Router(_ backends: [TestBackend], _ body: (TLSRouter) async throws -> Void) async throws {
        let table = RouteTable()
        table.setBackends(app: hello, backends.map(\.backend))
        table.setDomains(app: hello, ["www.example.test"])
        let other = try AppName("other")
        table.setBackends(app: other, backends.map(\.backend))
        table.setDomains(app: other, ["shop.example.test"])
        try await TLSRouter.with(table, app: hello, names: ["www.example.test"], body)
    }

    @Test func h2ClientsGetHTTP2AndHTTP1ClientsHTTP1() async throws {
        try await withBackends(1) { backends in
            try await withH2Router(backends) { fixture in
                let url = "https://www.example.test:\(fixture.httpsPort)/"
                let (status, h2) = try await fixture.curl(["--http2", "-w", " %{http_version}", url], names: names)
                #expect(status == 0 && h2 == "web-1 2", "\(h2)")
                let (_, h1) = try await fixture.curl(["--http1.1", "-w", " %{http_version}", url], names: names)
                #expect(h1 == "web-1 1.1", "\(h1)")
                // The app hears HTTPS, the port, the client and a request id, as over HTTP/1.
                let (_, headers) = try await fixture.curl(["--http2", url + "headers?x=1", "-H", "cookie: a=1", "-H", "cookie: b=2"], names: names)
                let lower = headers.lowercased()
                #expect(lower.contains("x-forwarded-proto: https\n") && lower.contains("x-forwarded-port: \(fixture.httpsPort)\n"), "\(headers)")
                #expect(lower.contains("x-forwarded-for: 127.0.0.1\n") && lower.contains("host: www.example.test:\(fixture.httpsPort)\n"))
                #expect(lower.contains("x-request-id: "))
                #expect(lower.contains("cookie: a=1; b=2\n"), "\(headers)")
                #expect(!lower.contains("connection: close"), "the bridge's own Connection field is hop-by-hop")
                // Hop-by-hop fields of the response are dropped, the rest kept, names lower-cased.
                let (_, response) = try await fixture.curl(["--http2", "-i", url + "headers"], names: names)
                #expect(response.hasPrefix("HTTP/2 200"), "\(response)")
                #expect(response.contains("x-backend-public: shown") && !response.contains("x-backend-secret") && !response.contains("keep-alive"))
                #expect(response.contains("x-request-id: "))
            }
        }
    }

    @Test func concurrentStreamsShareOneConnection() async throws {
        try await withBackends(2) { backends in
            try await withH2Router(backends) { fixture in
                let count = 20
                var arguments = ["--http2", "--parallel", "--parallel-max", "50", "-w", "%{http_version} %{response_code} %{num_connects}\\n"]
                for _ in 0..<count { arguments += ["-o", "/dev/null", "https://www.example.test:\(fixture.httpsPort)/slow?ms=2000"] }
                let started = ContinuousClock.now
                let (status, output) = try await fixture.curl(arguments, names: names)
                let elapsed = ContinuousClock.now - started
                // (curl --parallel draws its progress meter even with -s: only the -w lines count.)
                let lines = output.split(separator: "\n").filter { $0.wholeMatch(of: /[0-9.]+ [0-9]{3} [0-9]+/) != nil }
                #expect(status == 0 && lines.count == count, "\(output)")
                #expect(lines.allSatisfy { $0.hasPrefix("2 200") }, "\(output)")
                #expect(lines.filter { $0.hasSuffix(" 1") }.count == 1, "one connection for all: \(output)")
                // One after another they take 40 s; at once about 2 s, and loaded unit passes on 2
                // cores took up to 14 s (with 1000 ms each).
                #expect(elapsed < .seconds(30), "the streams ran at once (\(elapsed) for \(count) × 2000 ms)")
            }
        }
    }

    @Test func bodiesStreamBothWays() async throws {
        try await withBackends(1) { backends in
            try await withH2Router(backends) { fixture in
                let file = fixture.scratch + "/upload"
                let size = 3 << 20
                try Data(repeating: 0x61, count: size).write(to: URL(fileURLWithPath: file))
                let base = "https://www.example.test:\(fixture.httpsPort)"
                let (status, upload) = try await fixture.curl(["--http2", "--data-binary", "@" + file, base + "/upload"], names: names)
                #expect(status == 0 && upload == "received \(size)", "\(upload)")
                // Without a length: curl streams stdin, the app gets it chunked.
                let (_, chunked) = try await fixture.curl(
                    ["--http2", "-H", "content-type: text/plain", "-T", file, "-X", "POST", "-H", "content-length:", base + "/upload"], names: names)
                #expect(chunked == "received \(size)", "\(chunked)")
                let (_, download) = try await fixture.curl(["--http2", "-o", "/dev/null", "-w", "%{size_download} %{http_version}", base + "/download?bytes=5000000"], names: names)
                #expect(download == "5000000 2", "\(download)")
                let (_, chunkedDown) = try await fixture.curl(["--http2", base + "/chunked"], names: names)
                #expect(chunkedDown == "one two three")
                let (_, head) = try await fixture.curl(["--http2", "-I", base + "/"], names: names)
                #expect(head.hasPrefix("HTTP/2 200") && head.contains("content-length: 5"), "\(head)")
            }
        }
    }

    @Test func failuresAreTheRoutersPagesOverH2() async throws {
        let dead = Int(RefusedPort.shared.port)
        let table = RouteTable()
        table.setBackends(app: hello, [Backend(id: "gone", port: dead)])
        table.setDomains(app: hello, ["www.example.test"])
        try await TLSRouter.with(table, app: hello, names: ["www.example.test", "nobody.example.test"]) { fixture in
            let (_, down) = try await fixture.curl(["--http2", "-i", "https://www.example.test:\(fixture.httpsPort)/"], names: names)
            #expect(down.hasPrefix("HTTP/2 502") && down.contains("hello&#39;s web process failed to answer"), "\(down)")
            // A name with a certificate but no app: the 404 page (the certificate covers it, the table does not).
            let (_, unknown) = try await fixture.curl(
                ["--http2", "-i", "https://nobody.example.test:\(fixture.httpsPort)/"], names: ["nobody.example.test"])
            #expect(unknown.hasPrefix("HTTP/2 404"), "\(unknown)")
            // A name without a certificate is refused at the handshake, h2 or not.
            let (refused, refusal) = try await fixture.curl(["--http2", "https://shop.example.test:\(fixture.httpsPort)/"], names: names)
            #expect(refused != 0, "\(refusal)")
        }
    }

    @Test func shutdownLetsRunningStreamsFinish() async throws {
        try await withBackends(1) { backends in
            try await withH2Router(backends) { fixture in
                async let slow = fixture.curl(
                    ["--http2", "-w", " %{http_version}", "https://www.example.test:\(fixture.httpsPort)/slow?ms=800"], names: names)
                // Shut down once the request is in flight (its backend got it), not after a guess:
                // a loaded machine may take longer than that guess to even connect.
                for _ in 0..<200 where backends[0].acceptedConnections.load(ordering: .relaxed) == 0 {
                    try await Task.sleep(for: .milliseconds(50))
                }
                await fixture.router.shutdown()
                let (status, output) = try await slow
                #expect(status == 0 && output == "slow web-1 2", "\(output)")
                // And nothing is served any more.
                let (refused, _) = try await fixture.curl(["--http2", "https://www.example.test:\(fixture.httpsPort)/"], names: names)
                #expect(refused != 0)
            }
        }
    }
}
