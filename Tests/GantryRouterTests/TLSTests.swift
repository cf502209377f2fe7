import Foundation
import GantryCore
import GantryTesting
import Testing

@testable import GantryRouter

/// The router's HTTPS port, driven by the real curl: the certificate is picked by the name the
/// client asks for, a name no certificate covers gets no certificate (never another app's), and
/// the app hears that the request came over HTTPS.
@Suite struct TLSTests {
    let hello = try! AppName("hello")

    @Test func theCertificateIsPickedByNameAndTheAppHearsHTTPS() async throws {
        try await withBackends(2) { backends in
            let table = RouteTable()
            let other = try AppName("other")
            table.setBackends(app: hello, [backends[0].backend])
            table.setBackends(app: other, [backends[1].backend])
            table.setDomains(app: hello, ["www.example.test", "*.hello.test"])
            table.setDomains(app: other, ["shop.example.test"])
            let names = ["www.example.test", "preview.hello.test", "shop.example.test"]
            try await TLSRouter.with(table, app: hello, names: ["www.example.test", "*.hello.test"]) { fixture in
                func curl(_ name: String, _ path: String = "/") async throws -> (Int32, String) {
                    try await fixture.curl(["https://\(name):\(fixture.httpsPort)\(path)"], names: names)
                }
                let (status, body) = try await curl("www.example.test")
                #expect(status == 0 && body == "web-1", "\(body)")
                let (wildcard, wildcardBody) = try await curl("preview.hello.test")
                #expect(wildcard == 0 && wildcardBody == "web-1", "\(wildcardBody)")
                let headers = try await curl("www.example.test", "/headers").1.lowercased()
                #expect(headers.contains("x-forwarded-proto: https") && headers.contains("x-forwarded-port: \(fixture.httpsPort)"), "\(headers)")

                // other has no certificate: its name gets none, not hello's.
                let (refused, refusal) = try await curl("shop.example.test")
                #expect(refused != 0, "\(refusal)")
                #expect(!refusal.contains("web-"))
                // And plain HTTP still says http, with its own port; a client's own X-Forwarded-* is dropped.
                let plain = try await TestClient.get(
                    port: fixture.port, host: "www.example.test", path: "/headers",
                    headers: [("X-Forwarded-Proto", "https"), ("X-Forwarded-Port", "1")])
                #expect(
                    plain.body.lowercased().contains("x-forwarded-proto: http\n") && plain.body.contains("x-forwarded-port: \(fixture.port)"),
                    "\(plain.body)")

                // A certificate removed is no longer presented, at once.
                fixture.router.certificates.remove(app: hello)
                #expect(try await curl("www.example.test").0 != 0)
            }
        }
    }

    /// A flood of connections that never finish their handshake — silent, or stopped half way
    /// through a ClientHello — holds nothing past the client idle timeout, and the port goes on
    /// serving handshakes meanwhile.
    @Test func handshakesNeverFinishedAreClosedAtTheIdleTimeout() async throws {
        try await withBackends(1) { backends in
            let table = RouteTable()
            table.setBackends(app: hello, [backends[0].backend])
            table.setDomains(app: hello, ["www.example.test"])
            try await TLSRouter.with(table, app: hello, names: ["www.example.test"], clientIdleTimeout: .milliseconds(500)) { fixture in
                let silent = try await Socket.openIdle(100, port: fixture.httpsPort)
                let halfway = try await Socket.openIdle(100, port: fixture.httpsPort)
                defer { for fd in silent + halfway { close(fd) } }
                // A handshake record promising 512 bytes, of which 6 come.
                for fd in halfway { try Socket.sendAll(fd, [0x16, 0x03, 0x01, 0x02, 0x00, 0x01, 0x00, 0x01, 0xfc, 0x03, 0x03]) }
                let served = try await fixture.curl(["https://www.example.test:\(fixture.httpsPort)/"], names: ["www.example.test"])
                #expect(served.status == 0 && served.output == "web-1", "\(served)")
                let open = try await Socket.waitUntilClosed(silent + halfway, within: .seconds(15))
                #expect(open.isEmpty, "\(open.count) of 200 unfinished handshakes still open")
            }
        }
    }
}
