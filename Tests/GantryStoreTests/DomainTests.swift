import GantryCore
@testable import GantryStore
import Testing

@Suite("Custom domains")
struct DomainTests {
    static func domain(_ text: String) -> DomainName { try! DomainName(text) }
    static func app(_ text: String) -> AppName { try! AppName(text) }

    @Test
    func aDomainBelongsToOneAppAndTheRefusalNamesTheOwner() async throws {
        let store = try await blocking { try Store.temporary() }
        _ = try await store.createApp(Self.app("blog"))
        _ = try await store.createApp(Self.app("shop"))
        let added = try await store.addDomains([Self.domain("www.example.com"), Self.domain("*.example.org")], to: Self.app("blog"))
        #expect(added.map(\.name.rawValue) == ["*.example.org", "www.example.com"])
        // Adding it again to the same app changes nothing.
        #expect(try await store.addDomains([Self.domain("www.example.com")], to: Self.app("blog")).count == 2)
        await #expect(throws: StoreError.domainTaken(Self.domain("www.example.com"), owner: "blog")) {
            try await store.addDomains([Self.domain("shop.example.com"), Self.domain("www.example.com")], to: Self.app("shop"))
        }
        #expect(try await store.domains(app: Self.app("shop")).isEmpty, "a refused change adds none of its names")
        #expect(try await store.allDomains() == [Self.app("blog"): [Self.domain("*.example.org"), Self.domain("www.example.com")]])
    }

    @Test
    func removedDomainsAndDestroyedAppsFreeTheirNames() async throws {
        let store = try await blocking { try Store.temporary() }
        _ = try await store.createApp(Self.app("blog"))
        _ = try await store.addDomains([Self.domain("www.example.com"), Self.domain("example.com")], to: Self.app("blog"))
        #expect(try await store.removeDomain(Self.domain("example.com"), from: Self.app("blog")).map(\.name.rawValue) == ["www.example.com"])
        await #expect(throws: StoreError.domainNotFound(Self.app("blog"), Self.domain("example.com"))) {
            try await store.removeDomain(Self.domain("example.com"), from: Self.app("blog"))
        }
        try await store.deleteApp(Self.app("blog"))
        _ = try await store.createApp(Self.app("next"))
        #expect(try await store.addDomains([Self.domain("www.example.com")], to: Self.app("next")).count == 1)
    }
}
