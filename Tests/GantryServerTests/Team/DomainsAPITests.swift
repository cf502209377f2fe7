import Foundation
import GantryClient
import GantryCore
@testable import GantryServer
import Synchronization
import Testing

@Suite struct DomainsAPITests {
    @Test func addedAndRemovedDomainsReachTheRouterAtOnce() async throws {
        let told = Mutex<[String]>([])
        try await TeamServer.with(appsDomain: "apps.example.net", domainsChanged: { app, domains in
            told.withLock { $0.append("\(app): \(domains.map(\.rawValue).joined(separator: " "))") }
        }) { server in
            let alice = try await server.user("alice")
            #expect(try await server.call(.post, "/apps", token: alice, body: #"{"name": "blog"}"#).status == 201)
            let added = try server.decode(
                AppDomains.self, await server.call(.post, "/apps/blog/domains", token: alice, body: #"{"domains": ["WWW.Example.com", "*.example.org"]}"#))
            #expect(added.defaultHost == "blog.apps.example.net")
            #expect(added.domains.map(\.name.rawValue) == ["*.example.org", "www.example.com"])
            #expect(try await server.call(.delete, "/apps/blog/domains/www.example.com", token: alice).status == 204)
            let listed = try server.decode(AppDomains.self, await server.call(.get, "/apps/blog/domains", token: alice))
            #expect(listed.domains.map(\.name.rawValue) == ["*.example.org"])
            #expect(told.withLock { $0 } == ["blog: *.example.org www.example.com", "blog: *.example.org"])
        }
    }

    @Test func aDomainOfAnotherAppAnInvalidNameOrAnAppsOwnNameIsRefusedAndNothingChanges() async throws {
        try await TeamServer.with(appsDomain: "apps.example.net") { server in
            let alice = try await server.user("alice")
            #expect(try await server.call(.post, "/apps", token: alice, body: #"{"name": "blog"}"#).status == 201)
            #expect(try await server.call(.post, "/apps", token: server.adminToken, body: #"{"name": "shop"}"#).status == 201)
            #expect(try await server.call(.post, "/apps/shop/domains", token: server.adminToken, body: #"{"domains": ["shop.example.com"]}"#).status == 201)
            let taken = try await server.call(.post, "/apps/blog/domains", token: alice, body: #"{"domains": ["www.example.com", "shop.example.com"]}"#)
            #expect(taken.status == 409 && taken.text.contains("belongs to the app 'shop'"), "\(taken.text)")
            let invalid = try await server.call(.post, "/apps/blog/domains", token: alice, body: #"{"domains": ["exa_mple.com"]}"#)
            #expect(invalid.status == 400 && invalid.text.contains("invalid domain 'exa_mple.com'"), "\(invalid.text)")
            let own = try await server.call(.post, "/apps/blog/domains", token: alice, body: #"{"domains": ["shop.apps.example.net"]}"#)
            #expect(own.status == 400 && own.text.contains("under the apps' own domain"), "\(own.text)")
            let listed = try server.decode(AppDomains.self, await server.call(.get, "/apps/blog/domains", token: alice))
            #expect(listed.domains.isEmpty)
        }
    }
}
