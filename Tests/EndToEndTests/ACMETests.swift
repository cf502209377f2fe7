import Foundation
import GantryClient
import GantryCore
import GantryTesting
import Testing

/// Automatic certificates against the real pebble ACME CA (its DNS answers 127.0.0.1 for every
/// name, and it validates HTTP-01 on the router's HTTP port) and a real gantryd started with
/// `--acme-directory`, checked with the real curl over HTTP/2 and HTTP/1.1.
@Suite("automatic certificates over ACME", .serialized, .timeLimit(.minutes(5)))
struct ACMETests {
    /// A gantryd whose router pebble validates against, and curl to reach it over HTTPS.
    struct Site {
        let gantry: GantryDaemon
        let httpsPort: Int
        let files: String

        /// `curl https://NAME:PORT/`, trusting `ca` only.
        func curl(_ name: String, ca: String, _ options: [String] = []) async throws -> ProcessOutput {
            try await ChildProcess.run(
                "/usr/bin/curl",
                ["-sS", "--max-time", "10", "--cacert", ca, "--resolve", "\(name):\(httpsPort):127.0.0.1"] + options + ["https://\(name):\(httpsPort)/"],
                timeout: .seconds(20))
        }

        func certificates() async throws -> AppCertificates { try await gantry.api.certificates(app: "blog") }
    }

    func withSite(validity: Duration? = nil, blocking blocked: [String] = [], _ body: (Site) async throws -> Void) async throws {
        try await withFreePorts(2) { ports in
            let (routerPort, httpsPort) = (ports[0], ports[1])
            try await withPebble(httpPort: UInt16(routerPort), domainBlocklist: blocked, certificateValidity: validity) { pebble in
                let arguments = [
                    "--https-port", String(httpsPort), "--acme-directory", pebble.directoryURL, "--acme-email", "ops@example.test",
                    "--acme-ca-bundle", pebble.caBundlePath,
                ]
                try await withDaemon(arguments: arguments, routerPort: routerPort) { gantry in
                    try await gantry.createApp("blog")
                    let (repo, _) = try await gantry.makeRepo("blog", template: "static")
                    let push = try await gantry.git.run(["push", gantry.remote("blog"), "main"], in: repo.path)
                    try #require(push.succeeded, "\(push)")
                    let files = try gantry.scratch.directory("tls")
                    try await pebble.rootPEM().write(toFile: files + "/pebble-root.pem", atomically: true, encoding: .utf8)
                    try await body(Site(gantry: gantry, httpsPort: httpsPort, files: files))
                }
            }
        }
    }

    @Test func anAddedDomainGetsACertificateServedOverHTTP2AndHTTP1AndRenewedBeforeItExpires() async throws {
        try await withSite(validity: .seconds(45)) { site in
            let root = site.files + "/pebble-root.pem"
            #expect(try await site.gantry.cli(["domains:add", "blog", "www.example.test"]).succeeded)
            try await site.gantry.eventually("pebble issued a certificate") { (try? await site.certificates().certificate?.source) == "acme" }
            let first = try #require(try await site.certificates().certificate)
            #expect(first.names == ["www.example.test"] && first.covers == ["www.example.test"])

            let http2 = try await site.curl("www.example.test", ca: root, ["--http2", "-o", "/dev/null", "-w", "%{http_version}"])
            #expect(http2.succeeded && http2.stdout == "2", "\(http2)\n\(site.gantry.logTail())")
            let http1 = try await site.curl("www.example.test", ca: root, ["--http1.1"])
            #expect(http1.succeeded && http1.stdout.contains("Gantry"), "\(http1)")

            let shown = try await site.gantry.cli(["certs", "blog"])
            #expect(shown.stdout.contains("Automatic certificate (ACME)") && shown.stdout.contains("issued; renews at"), "\(shown)")
            let mode = try FileManager.default.attributesOfItem(atPath: site.gantry.data.acmeAccountKey)[.posixPermissions] as? NSNumber
            #expect(mode?.intValue == 0o600)
            #expect(!site.gantry.logTail().contains("PRIVATE KEY"))

            // 45 s of validity: renewed after 30.
            try await site.gantry.eventually("the certificate was renewed", within: .seconds(60)) {
                (try? await site.certificates().certificate?.notAfter).map { $0 > first.notAfter } ?? false
            }
            #expect(try await site.curl("www.example.test", ca: root).succeeded)
        }
    }

    @Test func forceHTTPSRedirectsHSTSIsSentOverHTTPSAndAManualCertificateReplacesTheAutomaticOne() async throws {
        try await withSite { site in
            let root = site.files + "/pebble-root.pem"
            #expect(try await site.gantry.cli(["domains:add", "blog", "www.example.test"]).succeeded)
            try await site.gantry.eventually("pebble issued a certificate") { (try? await site.certificates().certificate?.source) == "acme" }

            let set = try await site.gantry.cli(["config:set", "blog", "GANTRY_FORCE_HTTPS=1", "GANTRY_HSTS=600"])
            #expect(set.succeeded, "\(set)")
            let plain = try await ChildProcess.run(
                "/usr/bin/curl", ["-sS", "-o", "/dev/null", "-w", "%{http_code} %{redirect_url}", "-H", "Host: www.example.test", "http://127.0.0.1:\(site.gantry.routerPort)/about?x=1"],
                timeout: .seconds(20))
            #expect(plain.stdout == "308 https://www.example.test:\(site.httpsPort)/about?x=1", "\(plain)")
            let secure = try await site.curl("www.example.test", ca: root, ["-D", "-", "-o", "/dev/null"])
            #expect(secure.stdout.lowercased().contains("strict-transport-security: max-age=600"), "\(secure)")

            let authority = try TestCertificates()
            let (chain, key) = try authority.leaf(["www.example.test"])
            try chain.write(toFile: site.files + "/chain.pem", atomically: true, encoding: .utf8)
            try key.write(toFile: site.files + "/key.pem", atomically: true, encoding: .utf8)
            try authority.caPEM.write(toFile: site.files + "/own-ca.pem", atomically: true, encoding: .utf8)
            #expect(try await site.gantry.cli(["certs:add", "blog", "--cert", site.files + "/chain.pem", "--key", site.files + "/key.pem"]).succeeded)
            #expect(try await site.curl("www.example.test", ca: site.files + "/own-ca.pem").succeeded)
            let certificates = try await site.certificates()
            #expect(certificates.certificate?.source == "manual" && certificates.automatic == nil, "\(certificates)")
        }
    }

    @Test func aDomainTheCARefusesIsShownInGantryCertsAndTheAppKeepsServingOverHTTP() async throws {
        try await withSite(blocking: ["blocked.example.test"]) { site in
            #expect(try await site.gantry.cli(["domains:add", "blog", "blocked.example.test"]).succeeded)
            try await site.gantry.eventually("the refusal is recorded") { (try? await site.certificates().automatic?.state) == "failed" }
            let status = try #require(try await site.certificates().automatic)
            #expect(status.failures == 1 && status.nextAttemptAt != nil)
            #expect(status.lastError?.contains("blocked.example.test") == true, "\(status)")
            let shown = try await site.gantry.cli(["certs", "blog"])
            #expect(shown.stdout.contains("failed 1 time") && shown.stdout.contains("Error:"), "\(shown)")
            let plain = try await ChildProcess.run(
                "/usr/bin/curl", ["-sS", "-o", "/dev/null", "-w", "%{http_code}", "-H", "Host: blocked.example.test", "http://127.0.0.1:\(site.gantry.routerPort)/"],
                timeout: .seconds(20))
            #expect(plain.stdout == "200", "\(plain)")
        }
    }
}
