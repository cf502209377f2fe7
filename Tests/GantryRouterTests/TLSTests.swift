import Foundation
import GantryCore
@testable import GantryRouter
import GantryTesting
import Testing

/// The router's HTTPS port, driven by the real curl: the certificate is picked by the name the
/// client asks for, a name no certificate covers gets no certificate (never another app's), and
/// the app hears that the request came over HTTPS.
@Suite struct TLSTests {
    let hello = try! AppName("hello")

    @Test func theCertificateIsPickedByNameAndTheAppHearsHTTPS() async throws {
        let authority = try TestCertificates()
        let scratch = FileManager.default.temporaryDirectory.appendingPathComponent("gantry-tls-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: scratch, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: scratch) }
        try authority.caPEM.write(toFile: scratch + "/ca.pem", atomically: true, encoding: .utf8)

        try await withBackends(2) { backends in
            let table = RouteTable()
            let other = try AppName("other")
            table.setBackends(app: hello, [backends[0].backend])
            table.setBackends(app: other, [backends[1].backend])
            table.setDomains(app: hello, ["www.example.test", "*.hello.test"])
            table.setDomains(app: other, ["shop.example.test"])
            let certificates = CertificateTable()
            let (chain, key) = try authority.leaf(["www.example.test", "*.hello.test"])
            try certificates.set(app: hello, names: ["www.example.test", "*.hello.test"], chainPEM: chain, keyPEM: key)

            let router = Router(
                table: table, configuration: RouterConfiguration(host: "127.0.0.1", port: 0, httpsPort: 0), certificates: certificates)
            let port = try await router.start()
            defer { Task { await router.shutdown() } }
            let https = try #require(router.httpsPort)

            func curl(_ name: String, _ path: String = "/") async throws -> (Int32, String) {
                let result = try await Shell.run("/usr/bin/curl", [
                    "-sS", "--max-time", "10", "--cacert", scratch + "/ca.pem", "--resolve", "\(name):\(https):127.0.0.1",
                    "https://\(name):\(https)\(path)",
                ])
                return (result.status, result.output)
            }
            let (status, body) = try await curl("www.example.test")
            #expect(status == 0 && body == "web-1", "\(body)")
            let (wildcard, wildcardBody) = try await curl("preview.hello.test")
            #expect(wildcard == 0 && wildcardBody == "web-1", "\(wildcardBody)")
            let headers = try await curl("www.example.test", "/headers").1.lowercased()
            #expect(headers.contains("x-forwarded-proto: https") && headers.contains("x-forwarded-port: \(https)"), "\(headers)")

            // other has no certificate: its name gets none, not hello's.
            let (refused, refusal) = try await curl("shop.example.test")
            #expect(refused != 0, "\(refusal)")
            #expect(!refusal.contains("web-"))
            // And plain HTTP still says http, with its own port; a client's own X-Forwarded-* is dropped.
            let plain = try await TestClient.get(port: port, host: "www.example.test", path: "/headers", headers: [("X-Forwarded-Proto", "https"), ("X-Forwarded-Port", "1")])
            #expect(plain.body.lowercased().contains("x-forwarded-proto: http\n") && plain.body.contains("x-forwarded-port: \(port)"), "\(plain.body)")

            // A certificate removed is no longer presented, at once.
            certificates.remove(app: hello)
            #expect(try await curl("www.example.test").0 != 0)
            await router.shutdown()
        }
    }
}
