import Foundation
import GantryClient
import GantryCore
import GantryTesting
import Testing

/// A domain over HTTPS with a certificate of the user's own, against a real gantryd started
/// with `--https-port` and the real curl: served at once, after a restart too, never with the
/// certificate for a name it does not cover, and no more once removed.
@Suite("HTTPS with your own certificate", .serialized, .timeLimit(.minutes(3)))
struct HTTPSTests {
    @Test func certsAddServesTheDomainOverHTTPSAtOnceAndAfterARestart() async throws {
        try await withFreePorts(1) { ports in
            let httpsPort = ports[0]
            try await withDaemon(arguments: ["--https-port", String(httpsPort)]) { gantry in
                try await gantry.createApp("blog")
                let (repo, _) = try await gantry.makeRepo("blog", template: "static")
                let push = try await gantry.git.run(["push", gantry.remote("blog"), "main"], in: repo.path)
                try #require(push.succeeded, "\(push)")

                let authority = try TestCertificates()
                let (chain, key) = try authority.leaf(["www.example.test"])
                let files = try gantry.scratch.directory("tls")
                try chain.write(toFile: files + "/chain.pem", atomically: true, encoding: .utf8)
                try key.write(toFile: files + "/key.pem", atomically: true, encoding: .utf8)
                try authority.caPEM.write(toFile: files + "/ca.pem", atomically: true, encoding: .utf8)

                func curl(_ name: String) async throws -> ProcessOutput {
                    try await ChildProcess.run(
                        "/usr/bin/curl", ["-sS", "--max-time", "10", "--cacert", files + "/ca.pem", "--resolve", "\(name):\(httpsPort):127.0.0.1", "https://\(name):\(httpsPort)/"],
                        timeout: .seconds(20))
                }
                #expect(try await gantry.cli(["domains:add", "blog", "www.example.test", "other.example.test"]).succeeded)
                #expect(try await curl("www.example.test").status != 0, "no certificate yet")
                let added = try await gantry.cli(["certs:add", "blog", "--cert", files + "/chain.pem", "--key", files + "/key.pem"])
                #expect(added.succeeded && added.stdout.contains("served over HTTPS at www.example.test"), "\(added)")
                var served = try await curl("www.example.test")
                #expect(served.succeeded && served.stdout.contains("Gantry"), "\(served)")
                #expect(try await curl("other.example.test").status != 0, "a name the certificate does not cover gets none")
                let shown = try await gantry.cli(["certs", "blog"])
                #expect(shown.stdout.contains("Gantry Test CA") && shown.stdout.contains("www.example.test"), "\(shown)")

                try await gantry.restart()
                try await gantry.eventually("the app serves again after the restart") { (try? await gantry.get("blog").status) == 200 }
                // The router binds its HTTPS port just after its HTTP one.
                try await gantry.eventually("the router listens for HTTPS again") { LocalPort.accepts(httpsPort) }
                served = try await curl("www.example.test")
                #expect(served.succeeded, "\(served)\n\(gantry.logTail())")

                #expect(try await gantry.cli(["certs:remove", "blog"]).succeeded)
                #expect(try await curl("www.example.test").status != 0)
            }
        }
    }
}
