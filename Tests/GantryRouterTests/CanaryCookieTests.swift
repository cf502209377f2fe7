import GantryCore
import NIOCore
import Testing

@testable import GantryRouter

/// How a request names its side of a canary split: the `gantry-canary` cookie among the pairs of
/// its `Cookie` fields, and `X-Gantry-Canary`.
@Suite struct CanaryCookieTests {
    let hello = try! AppName("hello")

    private func release(in value: String) -> Int? {
        var value = value
        return value.withUTF8 { CanaryPreference.release(inCookie: UnsafeRawBufferPointer($0), app: hello) }
    }

    private func preference(_ fields: String) throws -> CanaryPreference {
        let buffer = ByteBuffer(string: "GET / HTTP/1.1\r\nHost: hello.localhost\r\n\(fields)\r\n")
        var scanned = 0
        let head = try buffer.withUnsafeReadableBytes { (bytes) throws(HeadError) in
            try HTTPHeadParser.parse(bytes, isRequest: true, scanned: &scanned)
        }
        let parsed = try #require(head)
        return buffer.withUnsafeReadableBytes { CanaryPreference(parsed, bytes: $0, app: hello) }
    }

    @Test func findsTheCookieAmongSeveralPairs() {
        #expect(release(in: "gantry-canary=hello:v8") == 8)
        #expect(release(in: "a=1; gantry-canary=hello:v8; b=2") == 8)
        #expect(release(in: "a=1;gantry-canary=hello:v12;b=2") == 12)
        #expect(release(in: "a=1;  gantry-canary = hello:v8 ;b") == 8)
        #expect(release(in: "a=\"x;y\"; gantry-canary=hello:v3") == 3)
    }

    @Test func readsAQuotedValue() {
        #expect(release(in: "gantry-canary=\"hello:v8\"") == 8)
        #expect(release(in: "gantry-canary=\"hello:v8") == nil)
    }

    @Test func ignoresCookiesWithSimilarNames() {
        #expect(release(in: "xgantry-canary=hello:v8") == nil)
        #expect(release(in: "gantry-canaryx=hello:v8") == nil)
        #expect(release(in: "gantry-canary-x=hello:v8") == nil)
        #expect(release(in: "Gantry-Canary=hello:v8") == nil, "cookie names are case-sensitive")
        #expect(release(in: "x=gantry-canary=hello:v8") == nil)
    }

    @Test func ignoresValuesOfOtherAppsAndMalformedOnes() {
        #expect(release(in: "gantry-canary=other:v8") == nil)
        #expect(release(in: "gantry-canary=hello2:v8") == nil)
        #expect(release(in: "gantry-canary=hell:v8") == nil)
        #expect(release(in: "gantry-canary=hello:8") == nil)
        #expect(release(in: "gantry-canary=hello:v") == nil)
        #expect(release(in: "gantry-canary=hello:v8x") == nil)
        #expect(release(in: "gantry-canary=hello:v12345678901") == nil)
        #expect(release(in: "gantry-canary=") == nil)
        #expect(release(in: "") == nil)
        #expect(release(in: "gantry-canary=other:v3; gantry-canary=hello:v9") == 9)
    }

    @Test func readsEveryCookieFieldAndLetsTheForceFieldWin() throws {
        #expect(try preference("Cookie: a=1\r\nCookie: gantry-canary=hello:v8\r\n") == .cookie(release: 8))
        #expect(try preference("Cookie: gantry-canary=hello:v8\r\nX-Gantry-Canary: never\r\n") == .forcedStable)
        #expect(try preference("x-gantry-canary:  ALWAYS \r\ncookie: gantry-canary=hello:v7\r\n") == .forcedCanary)
        #expect(try preference("X-Gantry-Canary: sometimes\r\nCookie: gantry-canary=hello:v7\r\n") == .cookie(release: 7))
        #expect(try preference("X-Gantry-Canary: sometimes\r\n") == CanaryPreference.none)
        #expect(try preference("X-Other: 1\r\n") == CanaryPreference.none)
    }

    @Test func stickyCookieNamesTheReleaseOfTheApp() {
        #expect(CanarySplit.stickyCookie(app: hello, release: 8) == "gantry-canary=hello:v8; Path=/; HttpOnly; SameSite=Lax")
    }
}
