import GantryCore
import Testing

@testable import GantryRouter

/// A canary split over HTTP/2 (the real curl): a stream reaches the same routing as an HTTP/1
/// request, with its cookies (which HTTP/2 may split into several fields) joined.
@Suite struct CanaryHTTP2Tests {
    let hello = try! AppName("hello")
    let names = ["www.example.test"]

    @Test func http2StreamsGetTheSameSideAndCookie() async throws {
        try await withBackends(1) { stable in
            try await withBackends(1, prefix: "canary") { canary in
                let table = RouteTable()
                table.setBackends(app: hello, [Backend(id: "web-1", port: stable[0].port, release: 7)])
                table.setCanary(app: hello, CanarySplit(release: 8, stable: 7, weight: 10, backends: [Backend(id: "canary-1", port: canary[0].port, release: 8)]))
                table.setDomains(app: hello, names)
                try await TLSRouter.with(table, app: hello, names: names) { fixture in
                    let url = "https://www.example.test:\(fixture.httpsPort)/"
                    // The first undecided request of a run goes to the canary.
                    let (_, first) = try await fixture.curl(["--http2", "-i", url], names: names)
                    #expect(first.hasPrefix("HTTP/2 200"), "\(first)")
                    #expect(first.contains("set-cookie: gantry-canary=hello:v8; Path=/; HttpOnly; SameSite=Lax"), "\(first)")
                    #expect(first.hasSuffix("canary-1"))
                    // Cookies in two fields, the sticky one in the second.
                    let (_, sticky) = try await fixture.curl(
                        ["--http2", "-i", url, "-H", "cookie: a=1", "-H", "cookie: gantry-canary=hello:v7"], names: names)
                    #expect(sticky.hasSuffix("web-1") && !sticky.contains("set-cookie"), "\(sticky)")
                    let (_, forced) = try await fixture.curl(["--http2", "-i", url, "-H", "x-gantry-canary: always"], names: names)
                    #expect(forced.hasSuffix("canary-1") && !forced.contains("set-cookie"), "\(forced)")
                }
            }
        }
    }
}
