import Foundation
import GantryClient
import GantryCore
@testable import GantryServer
@testable import GantryStore
import GantryTesting
import Synchronization
import Testing

@Suite struct CertificatesAPITests {
    static func body(_ pair: (chain: String, key: String)) throws -> String {
        String(decoding: try API.encoder().encode(AddCertificate(chain: pair.chain, key: pair.key)), as: UTF8.self)
    }

    @Test func aCertificateIsKeptOnlyWhenItsKeyMatchesItIsValidAndCoversADomain() async throws {
        let told = Mutex<[String]>([])
        try await TeamServer.with(certificatesChanged: { app in told.withLock { $0.append(app.rawValue) } }) { server in
            let authority = try TestCertificates()
            #expect(try await server.call(.post, "/apps", token: server.adminToken, body: #"{"name": "blog"}"#).status == 201)
            let good = try authority.leaf(["www.example.test", "example.test"])
            let none = try await server.call(.put, "/apps/blog/certs", token: server.adminToken, body: try Self.body(good))
            #expect(none.status == 400 && none.text.contains("the app has no domain yet"), "\(none.text)")
            #expect(try await server.call(.post, "/apps/blog/domains", token: server.adminToken, body: #"{"domains": ["www.example.test"]}"#).status == 201)

            let other = try authority.leaf(["www.example.test"])
            let cases: [(String, String)] = [
                (try Self.body((good.chain, other.key)), "the key does not match"),
                (try Self.body(authority.leaf(["www.example.test"], notBefore: Date() - 7200, notAfter: Date() - 3600)), "the certificate expired"),
                (try Self.body(authority.leaf(["shop.example.test"])), "the certificate is for shop.example.test"),
                (try Self.body(("not a certificate", good.key)), "1 to 10 certificates"),
                (try Self.body((good.chain, "not a key")), "not a PEM private key"),
            ]
            for (body, message) in cases {
                let refused = try await server.call(.put, "/apps/blog/certs", token: server.adminToken, body: body)
                #expect(refused.status == 400 && refused.text.contains(message), "\(refused.text)")
            }
            #expect(try await server.store.certificate(app: AppName("blog")) == nil)
            #expect(told.withLock { $0 }.isEmpty)

            let added = try server.decode(CertificateInfo.self, await server.call(.put, "/apps/blog/certs", token: server.adminToken, body: try Self.body(good)))
            #expect(added.names == ["www.example.test", "example.test"] && added.covers == ["www.example.test"] && added.source == "manual")
            #expect(added.issuer.contains("Gantry Test CA"))
            let listed = try server.decode(AppCertificates.self, await server.call(.get, "/apps/blog/certs", token: server.adminToken))
            #expect(listed == AppCertificates(certificate: added, automatic: nil), "no ACME directory: no automatic status")
            #expect(!"\(listed)".contains("PRIVATE KEY"))
            #expect(try await server.call(.delete, "/apps/blog/certs", token: server.adminToken).status == 204)
            #expect(try await server.call(.delete, "/apps/blog/certs", token: server.adminToken).status == 404)
            #expect(told.withLock { $0 } == ["blog", "blog"])
            let audit = try await server.store.strings(sql: "SELECT coalesce(detail, '') FROM audit_events WHERE action LIKE 'certs:%'")
            #expect(!audit.contains { $0?.contains("PRIVATE") == true })
        }
    }
}
