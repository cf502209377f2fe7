import Foundation
import GantryCore
@testable import GantryServer
@testable import GantryStore
import GantryTesting
import Logging
import Synchronization
import Testing

/// The schedule of automatic certificates against a local CA (the real ACME exchange with
/// pebble is GantryACMETests' and the end-to-end HTTPS tests'), on a real SQLite store, with a
/// clock the test moves.
@Suite struct AutomaticCertificatesTests {
    /// Issues from a local test CA with a chosen lifetime, or fails as told.
    final class LocalCA: CertificateAuthority {
        let authority: Mutex<TestCertificates>
        let clock: TestClock
        let failures = Mutex<[CertificateAuthorityError]>([])
        let asked = Mutex<[[String]]>([])

        init(clock: TestClock) throws {
            authority = Mutex(try TestCertificates())
            self.clock = clock
        }

        func leaf(_ names: [String], notBefore: Date, notAfter: Date) throws -> (chain: String, key: String) {
            try authority.withLock { try $0.leaf(names, notBefore: notBefore, notAfter: notAfter) }
        }

        func issue(names: [String]) async throws(CertificateAuthorityError) -> IssuedChain {
            asked.withLock { $0.append(names) }
            if let failure = failures.withLock({ $0.isEmpty ? nil : $0.removeFirst() }) { throw failure }
            let now = clock.now
            do {
                let (chain, key) = try leaf(names, notBefore: now - 60, notAfter: now + 90 * 86_400 - 60)
                return IssuedChain(chainPEM: chain, keyPEM: key)
            } catch { throw CertificateAuthorityError("\(error)") }
        }
    }

    final class TestClock: Sendable {
        private let date = Mutex(Date())
        var now: Date { date.withLock { $0 } }
        func advance(_ seconds: TimeInterval) { date.withLock { $0 += seconds } }
    }

    final class Installed: Sendable {
        let apps = Mutex<[String]>([])
    }

    struct Fixture {
        let store: Store
        let clock = TestClock()
        let ca: LocalCA
        let installed = Installed()
        let certificates: AutomaticCertificates

        init(appsDomain: String = "localhost") async throws {
            store = try await blocking { [path = ScratchDirectory.path + "/gantry.sqlite"] in try Store(path: path) }
            ca = try LocalCA(clock: clock)
            let clock = clock
            let installed = installed
            certificates = AutomaticCertificates(
                store: store, authority: ca, appsDomain: appsDomain, logger: Logger(label: "test"), now: { clock.now }
            ) { app in installed.apps.withLock { $0.append(app.rawValue) } }
        }

        func advance(_ seconds: TimeInterval) { clock.advance(seconds) }
        var now: Date { clock.now }
    }

    let blog = try! AppName("blog")

    @Test(.scratchDirectory) func anAddedDomainGetsACertificateRenewedTwoThirdsIntoItsLifetime() async throws {
        let fixture = try await Fixture()
        _ = try await fixture.store.createApp(blog)
        #expect(await fixture.certificates.check(blog) == nil, "no domain a CA can validate: nothing asked")
        _ = try await fixture.store.addDomains([DomainName("www.example.test"), DomainName("*.example.dev")], to: blog)

        let renewAt = try #require(await fixture.certificates.check(blog))
        #expect(fixture.ca.asked.withLock { $0 } == [["www.example.test"]], "a wildcard cannot be validated over HTTP")
        let certificate = try #require(try await fixture.store.certificate(app: blog))
        #expect(certificate.source == "acme" && certificate.names == ["www.example.test"])
        #expect(abs(renewAt.timeIntervalSince(fixture.now) - 60 * 86_400) < 120, "\(renewAt)")
        #expect(fixture.installed.apps.withLock { $0 } == ["blog"])
        #expect(try await fixture.store.automaticCertificate(app: blog)?.state == "issued")

        fixture.advance(59 * 86_400)
        #expect(await fixture.certificates.check(blog) == renewAt, "not due yet: nothing asked")
        #expect(fixture.ca.asked.withLock { $0.count } == 1)
        fixture.advance(2 * 86_400)
        let renewed = try #require(await fixture.certificates.check(blog))
        #expect(fixture.ca.asked.withLock { $0.count } == 2 && renewed > renewAt)
    }

    @Test(.scratchDirectory) func aRefusalIsKeptForGantryCertsAndRetriedWithBackoffOrAfterWhatTheCAAsked() async throws {
        let fixture = try await Fixture()
        _ = try await fixture.store.createApp(blog)
        _ = try await fixture.store.addDomains([DomainName("www.example.test")], to: blog)
        fixture.ca.failures.withLock {
            $0 = [CertificateAuthorityError("DNS problem: NXDOMAIN looking up A for www.example.test"), CertificateAuthorityError("still no DNS"),
                CertificateAuthorityError("rateLimited: too many certificates", retryAfter: .seconds(7200))]
        }
        let first = try #require(await fixture.certificates.check(blog))
        #expect(abs(first.timeIntervalSince(fixture.now) - 60) < 1)
        let status = try #require(try await fixture.store.automaticCertificate(app: blog))
        #expect(status.state == "failed" && status.failures == 1 && status.lastError?.contains("NXDOMAIN") == true)
        let waiting = try #require(await fixture.certificates.check(blog))
        #expect(abs(waiting.timeIntervalSince(first)) < 1, "waits for the retry")

        fixture.advance(61)
        let second = try #require(await fixture.certificates.check(blog))
        #expect(abs(second.timeIntervalSince(fixture.now) - 120) < 1, "doubled")
        fixture.advance(121)
        let third = try #require(await fixture.certificates.check(blog))
        #expect(abs(third.timeIntervalSince(fixture.now) - 7200) < 1, "the CA's Retry-After, longer than the backoff")
        #expect(try await fixture.store.certificate(app: blog) == nil)

        fixture.advance(7201)
        _ = await fixture.certificates.check(blog)
        #expect(try await fixture.store.automaticCertificate(app: blog)?.state == "issued")
        #expect(try await fixture.store.automaticCertificate(app: blog)?.lastError == nil)
    }

    @Test(.scratchDirectory) func aNewDomainIsAskedForAtOnceEvenAfterAFailureForTheOldNames() async throws {
        let fixture = try await Fixture(appsDomain: "apps.example.net")
        _ = try await fixture.store.createApp(blog)
        fixture.ca.failures.withLock { $0 = [CertificateAuthorityError("connection refused")] }
        _ = await fixture.certificates.check(blog)
        #expect(fixture.ca.asked.withLock { $0 } == [["blog.apps.example.net"]], "the default name under --apps-domain")
        _ = try await fixture.store.addDomains([DomainName("www.example.test")], to: blog)
        _ = await fixture.certificates.check(blog)
        #expect(fixture.ca.asked.withLock { $0.last } == ["blog.apps.example.net", "www.example.test"])
        #expect(try await fixture.store.certificate(app: blog)?.names.sorted() == ["blog.apps.example.net", "www.example.test"])
    }

    @Test(.scratchDirectory) func aCertificateOfTheUsersOwnIsNeverReplacedAndStopsTheAutomaticOne() async throws {
        let fixture = try await Fixture()
        _ = try await fixture.store.createApp(blog)
        _ = try await fixture.store.addDomains([DomainName("www.example.test")], to: blog)
        _ = await fixture.certificates.check(blog)
        let (chain, key) = try fixture.ca.leaf(["www.example.test"], notBefore: fixture.now - 60, notAfter: fixture.now + 86_400)
        let manual = StoredCertificate(
            chainPEM: chain, keyPEM: key, names: ["www.example.test"], issuer: "mine", notBefore: fixture.now, notAfter: fixture.now + 86_400,
            source: "manual", createdAt: fixture.now)
        try await fixture.store.setCertificate(manual, app: blog)
        #expect(await fixture.certificates.check(blog) == nil)
        #expect(try await fixture.store.automaticCertificate(app: blog) == nil)
        #expect(try await fixture.store.certificate(app: blog)?.issuer == manual.issuer)
        #expect(fixture.ca.asked.withLock { $0.count } == 1)
        let replaced = try await fixture.store.setCertificate(
            StoredCertificate(chainPEM: chain, keyPEM: key, names: [], issuer: "ca", notBefore: fixture.now, notAfter: fixture.now, source: "acme", createdAt: fixture.now),
            app: blog, keepingManual: true)
        #expect(!replaced, "an order that ends after certs:add keeps the user's certificate")
    }

    @Test(.scratchDirectory) func runLooksAtEveryAppAtStartAndAtAChangedOneAtOnce() async throws {
        let fixture = try await Fixture()
        _ = try await fixture.store.createApp(blog)
        _ = try await fixture.store.addDomains([DomainName("www.example.test")], to: blog)
        let shop = try AppName("shop")
        _ = try await fixture.store.createApp(shop)
        let running = Task { await fixture.certificates.run() }
        defer { running.cancel() }
        try await eventually { try await fixture.store.certificate(app: blog) != nil }
        _ = try await fixture.store.addDomains([DomainName("shop.example.test")], to: shop)
        await fixture.certificates.changed(shop)
        try await eventually { try await fixture.store.certificate(app: shop) != nil }
        running.cancel()
        await running.value
    }
}
