import GantryCore
import Testing

@testable import GantryRouter

/// Per-app HTTPS policy: the 308 from the plain port, HSTS over HTTPS only, driven by curl.
@Suite struct HTTPSPolicyTests {
    let hello = try! AppName("hello")

    @Test func routeTableAppliesThePolicyPerPort() {
        let table = RouteTable()
        table.setBackends(app: hello, [Backend(id: "a", port: 1)])
        table.setDomains(app: hello, ["www.example.test"])
        table.setPolicy(app: hello, RoutePolicy(forceHTTPS: true, hstsSeconds: 300))
        #expect(table.policy(for: hello) == RoutePolicy(forceHTTPS: true, hstsSeconds: 300))
        guard case .redirectToHTTPS(_, let host) = table.route(host: "WWW.example.test:80", via: .plain(canRedirect: true)) else {
            Issue.record("no redirect")
            return
        }
        #expect(host == "www.example.test")
        // No HTTPS port: served as it is, without HSTS.
        if case .backend(_, let slot, let hsts, _) = table.route(host: "hello.localhost", via: .plain(canRedirect: false)) {
            slot.end()
            #expect(hsts == nil)
        } else {
            Issue.record("not served")
        }
        if case .backend(_, let slot, let hsts, _) = table.route(host: "hello.localhost", via: .tls) {
            slot.end()
            #expect(hsts == 300)
        } else {
            Issue.record("not served over TLS")
        }
        table.setPolicy(app: hello, .none)
        if case .backend(_, let slot, let hsts, _) = table.route(host: "hello.localhost", via: .plain(canRedirect: true)) {
            slot.end()
            #expect(hsts == nil)
        } else {
            Issue.record("still redirected")
        }
        #expect(RoutePolicy(hstsSeconds: -1).hstsSeconds == nil)
    }

    @Test func locationsKeepPathAndQueryAndRefuseOddHosts() {
        func location(_ host: String, _ target: String, _ port: Int) -> String? {
            var target = target
            return target.withUTF8 { HTTPSRedirect.location(host: host, target: UnsafeRawBufferPointer($0), port: port) }
        }
        #expect(location("www.example.test", "/a/b?c=d&e", 443) == "https://www.example.test/a/b?c=d&e")
        #expect(location("www.example.test", "/", 8443) == "https://www.example.test:8443/")
        #expect(location("www.example.test", "http://www.example.test/x?y", 443) == "https://www.example.test/x?y")
        #expect(location("www.example.test", "http://www.example.test?y", 443) == "https://www.example.test/?y")
        #expect(location("www.example.test", "*", 443) == "https://www.example.test/")
        #expect(location("[::1]", "/", 443) == "https://[::1]/")
        #expect(location("evil.test/@www.example.test", "/", 443) == nil)
        #expect(location("a b", "/", 443) == nil)
    }

    @Test func plainRequestsAreRedirectedAndHTTPSOnesGetHSTS() async throws {
        let other = try AppName("other")
        try await withBackends(2) { backends in
            let table = RouteTable()
            table.setBackends(app: hello, [backends[0].backend])
            table.setBackends(app: other, [backends[1].backend])
            table.setDomains(app: hello, ["www.example.test"])
            table.setDomains(app: other, ["shop.example.test"])
            table.setPolicy(app: hello, RoutePolicy(forceHTTPS: true, hstsSeconds: 31_536_000))
            let names = ["www.example.test", "hello.localhost", "shop.example.test"]
            try await TLSRouter.with(table, app: hello, names: names) { fixture in
                // Plain: 308 to the HTTPS port, path and query kept, for each of hello's hosts; no HSTS.
                for host in ["www.example.test", "hello.localhost"] {
                    let (_, plain) = try await fixture.curl(["-i", "http://\(host):\(fixture.port)/a/b?c=1"], names: names)
                    #expect(plain.hasPrefix("HTTP/1.1 308"), "\(plain)")
                    #expect(plain.lowercased().contains("location: https://\(host):\(fixture.httpsPort)/a/b?c=1\r\n"), "\(plain)")
                    #expect(!plain.lowercased().contains("strict-transport-security"))
                }
                // curl follows it to the app, over HTTPS, with HSTS (the app's own is replaced), in
                // HTTP/1.1 and HTTP/2.
                for version in ["--http1.1", "--http2"] {
                    let (status, followed) = try await fixture.curl(
                        [version, "-i", "-L", "http://www.example.test:\(fixture.port)/hsts"], names: names)
                    #expect(status == 0, "\(followed)")
                    let lines = followed.lowercased().split(separator: "\r\n")
                    #expect(lines.filter { $0.hasPrefix("strict-transport-security:") } == ["strict-transport-security: max-age=31536000"], "\(followed)")
                    #expect(followed.hasSuffix("web-1"), "\(followed)")
                }
                // other: no policy, plain HTTP served as it is and no HSTS anywhere.
                let (_, plainOther) = try await fixture.curl(["-i", "http://shop.example.test:\(fixture.port)/"], names: names)
                #expect(plainOther.hasPrefix("HTTP/1.1 200") && plainOther.hasSuffix("web-2"), "\(plainOther)")
                #expect(!plainOther.lowercased().contains("strict-transport-security"))
                // The HTTPS port does not answer ACME challenges: the path goes to the app.
                try fixture.router.challenges.publish(token: "tok", keyAuthorization: "tok.key")
                let (_, overTLS) = try await fixture.curl(["https://www.example.test:\(fixture.httpsPort)/.well-known/acme-challenge/tok"], names: names)
                #expect(overTLS == "web-1", "\(overTLS)")
                let (_, plainChallenge) = try await fixture.curl(["http://www.example.test:\(fixture.port)/.well-known/acme-challenge/tok"], names: names)
                #expect(plainChallenge == "tok.key", "\(plainChallenge)")
                // Policy off again: hello is served over plain HTTP, and HTTPS has no HSTS.
                table.setPolicy(app: hello, .none)
                let (_, plainHello) = try await fixture.curl(["-i", "http://www.example.test:\(fixture.port)/"], names: names)
                #expect(plainHello.hasPrefix("HTTP/1.1 200"), "\(plainHello)")
                for version in ["--http1.1", "--http2"] {
                    let (_, secure) = try await fixture.curl([version, "-i", "https://www.example.test:\(fixture.httpsPort)/"], names: names)
                    #expect(secure.contains(" 200") && !secure.lowercased().contains("strict-transport-security"), "\(secure)")
                }
            }
        }
    }

    @Test func noRedirectWithoutAnHTTPSPort() async throws {
        try await withBackends(1) { backends in
            let table = RouteTable()
            table.setBackends(app: hello, [backends[0].backend])
            table.setPolicy(app: hello, RoutePolicy(forceHTTPS: true, hstsSeconds: 60))
            try await withRouter(table) { _, port in
                let response = try await TestClient.get(port: port, host: "hello.localhost")
                #expect(response.status == 200 && response.body == "web-1")
                #expect(response.headers["strict-transport-security"].isEmpty)
            }
        }
    }
}
