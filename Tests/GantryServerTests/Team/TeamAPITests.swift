import Foundation
import GantryClient
import GantryCore
@testable import GantryServer
@testable import GantryStore
import Synchronization
import Testing

@Suite struct TeamAPITests {
    @Test func aMemberCreatesAnAppOwnsItAndSeesOnlyTheirs() async throws {
        try await TeamServer.with { server in
            let alice = try await server.user("alice")
            let bob = try await server.user("bob")
            #expect(try await server.call(.post, "/apps", token: alice, body: #"{"name": "blog"}"#).status == 201)
            #expect(try await server.call(.post, "/apps", token: server.adminToken, body: #"{"name": "ops"}"#).status == 201)
            #expect(try server.decode([App].self, await server.call(.get, "/apps", token: alice)).map(\.name.rawValue) == ["blog"])
            #expect(try server.decode([App].self, await server.call(.get, "/apps", token: bob)).isEmpty)
            #expect(try server.decode([App].self, await server.call(.get, "/apps", token: server.adminToken)).map(\.name.rawValue) == ["blog", "ops"])
            let access = try server.decode([AppAccess].self, await server.call(.get, "/apps/blog/access", token: alice))
            #expect(access.map { "\($0.user) \($0.role.rawValue)" } == ["alice owner"])
            let refused = try await server.call(.delete, "/apps/blog", token: bob)
            #expect(refused.status == 403 && refused.text.contains("'bob' has no access to 'blog'"))
        }
    }

    @Test func anOwnerGivesDeployAndTheDeployerChangesConfigWhileReadSeesOnlyKeys() async throws {
        try await TeamServer.with { server in
            let alice = try await server.user("alice")
            let bob = try await server.user("bob")
            let carol = try await server.user("carol")
            #expect(try await server.call(.post, "/apps", token: alice, body: #"{"name": "blog"}"#).status == 201)
            #expect(try await server.call(.put, "/apps/blog/access/bob", token: alice, body: #"{"role": "deploy"}"#).status == 200)
            #expect(try await server.call(.put, "/apps/blog/access/carol", token: alice, body: #"{"role": "read"}"#).status == 200)
            // bob (deploy) may not hand out access.
            #expect(try await server.call(.put, "/apps/blog/access/carol", token: bob, body: #"{"role": "owner"}"#).status == 403)
            #expect(try await server.call(.patch, "/apps/blog/config", token: bob, body: #"{"DATABASE_URL": "postgres://secret"}"#).status == 200)
            #expect(try await server.call(.patch, "/apps/blog/config", token: carol, body: #"{"DATABASE_URL": "x"}"#).status == 403)
            let seen = try server.decode([String: String?].self, await server.call(.get, "/apps/blog/config", token: carol))
            #expect(Array(seen.keys) == ["DATABASE_URL"] && seen["DATABASE_URL"]! == nil)
            let full = try server.decode([String: String].self, await server.call(.get, "/apps/blog/config", token: bob))
            #expect(full == ["DATABASE_URL": "postgres://secret"])
            #expect(try await server.call(.put, "/apps/blog/access/carol", token: alice, body: #"{"role": "admin"}"#).status == 400)
        }
    }

    @Test func theLastAdminAndAnAppsLastOwnerStay() async throws {
        try await TeamServer.with { server in
            let alice = try await server.user("alice")
            let last = try await server.call(.delete, "/users/admin", token: server.adminToken)
            #expect(last.status == 409 && last.text.contains("only admin"))
            #expect(try await server.call(.post, "/apps", token: alice, body: #"{"name": "blog"}"#).status == 201)
            let leaving = try await server.call(.delete, "/apps/blog/access/alice", token: alice)
            #expect(leaving.status == 409 && leaving.text.contains("only owner of 'blog'"))
            _ = try await server.user("otto")
            #expect(try await server.call(.put, "/apps/blog/access/otto", token: alice, body: #"{"role": "owner"}"#).status == 200)
            #expect(try await server.call(.delete, "/apps/blog/access/alice", token: alice).status == 204)
            #expect(try await server.call(.post, "/users", token: server.adminToken, body: #"{"name": "Root", "role": "admin"}"#).status == 400)
            #expect(try await server.call(.post, "/users", token: server.adminToken, body: #"{"name": "root", "role": "superuser"}"#).status == 400)
            #expect(try await server.call(.post, "/users", token: alice, body: #"{"name": "root", "role": "admin"}"#).status == 403)
        }
    }

    @Test func aMemberCannotWidenTheirToken() async throws {
        try await TeamServer.with { server in
            let alice = try await server.user("alice")
            _ = try await server.user("bob")
            #expect(try await server.call(.post, "/apps", token: alice, body: #"{"name": "blog"}"#).status == 201)
            #expect(try await server.call(.post, "/apps", token: alice, body: #"{"name": "shop"}"#).status == 201)
            #expect(try await server.call(.post, "/apps", token: server.adminToken, body: #"{"name": "ops"}"#).status == 201)
            let narrowed = try server.decode(
                CreatedToken.self, await server.call(.post, "/tokens", token: alice, body: #"{"name": "ci", "apps": ["blog"], "expiresIn": 3600}"#))
            #expect(narrowed.info.apps == [try AppName("blog")] && narrowed.info.expiresAt != nil)
            let readOnly = try server.decode(CreatedToken.self, await server.call(.post, "/tokens", token: alice, body: #"{"readOnly": true}"#))

            // Wider apps, no apps (= all), a longer life; anything from a read-only token; an app without access.
            #expect(try await server.call(.post, "/tokens", token: narrowed.token, body: #"{"apps": ["blog", "shop"]}"#).status == 403)
            #expect(try await server.call(.post, "/tokens", token: narrowed.token, body: #"{"name": "all"}"#).status == 403)
            #expect(try await server.call(.post, "/tokens", token: narrowed.token, body: #"{"apps": ["blog"], "expiresIn": 86400}"#).status == 403)
            #expect(try await server.call(.post, "/tokens", token: readOnly.token, body: "{}").status == 403)
            #expect(try await server.call(.post, "/tokens", token: alice, body: #"{"apps": ["ops"]}"#).status == 403)
            // Narrower is fine, and never outlives its maker.
            let narrower = try server.decode(CreatedToken.self, await server.call(.post, "/tokens", token: narrowed.token, body: #"{"apps": ["blog"], "readOnly": true}"#))
            #expect(narrower.info.expiresAt == narrowed.info.expiresAt && narrower.info.readOnly)
            // The narrowed token sees only its app, and may not touch another.
            #expect(try server.decode([App].self, await server.call(.get, "/apps", token: narrowed.token)).map(\.name.rawValue) == ["blog"])
            #expect(try await server.call(.patch, "/apps/shop/config", token: narrowed.token, body: #"{"A": "1"}"#).status == 403)
            #expect(try await server.call(.patch, "/apps/blog/config", token: narrowed.token, body: #"{"A": "1"}"#).status == 200)
            // Keys reach every app of their user: not from a narrowed token.
            #expect(try await server.call(.post, "/keys", token: narrowed.token, body: #"{"name": "k", "publicKey": "x"}"#).status == 403)
            // bob may not revoke alice's token; alice may.
            let bob = try await server.store.createToken(for: UserName("bob"), name: "b").token
            #expect(try await server.call(.delete, "/tokens/\(narrowed.info.id)", token: bob).status == 403)
            #expect(try await server.call(.delete, "/tokens/\(narrowed.info.id)", token: alice).status == 200)
        }
    }

    @Test func aRevokedTokenIsRefusedOnTheConnectionItAlreadyUses() async throws {
        try await TeamServer.with { server in
            let alice = try await server.user("alice")
            let created = try server.decode(CreatedToken.self, await server.call(.post, "/tokens", token: alice, body: #"{"name": "laptop"}"#))
            let client = HTTPClient()  // one client: libcurl keeps its connection alive between requests
            func whoami() async throws -> Int {
                try await client.perform(GantryClient.HTTPRequest(
                    method: .get, url: server.url + "/api/v1/whoami", headers: ["Authorization": "Bearer \(created.token)"])).status
            }
            #expect(try await whoami() == 200)
            #expect(try await server.call(.delete, "/tokens/\(created.info.id)", token: alice).status == 200)
            #expect(try await whoami() == 401)
            let removedUser = try await server.user("mallory")
            #expect(try await server.call(.get, "/whoami", token: removedUser).status == 200)
            #expect(try await server.call(.delete, "/users/mallory", token: server.adminToken).status == 204)
            #expect(try await server.call(.get, "/whoami", token: removedUser).status == 401)
        }
    }

    @Test func theAuditLogNamesWhoDidWhatFromWhereWithConfigKeysButNeverValues() async throws {
        try await TeamServer.with { server in
            let alice = try await server.user("alice")
            let bob = try await server.user("bob")
            #expect(try await server.call(.post, "/apps", token: alice, body: #"{"name": "blog"}"#).status == 201)
            #expect(try await server.call(.patch, "/apps/blog/config", token: alice, body: #"{"API_KEY": "s3cr3t-value", "OLD": null}"#).status == 200)
            #expect(try await server.call(.patch, "/apps/blog/config", token: bob, body: #"{"API_KEY": "other-value"}"#).status == 403)
            #expect(try await server.call(.get, "/whoami", token: "gantry_" + String(repeating: "f", count: 40)).status == 401)
            // A push over git's HTTP door.
            let work = try await server.commit(in: "work")
            try await server.app("site", owner: "alice")
            let push = try await server.git(["push", server.httpURL("site", token: alice), "main"], in: work)
            #expect(push.status == 0, "\(push.output)")

            let events = try server.decode([AuditEvent].self, await server.call(.get, "/audit", token: server.adminToken))
            let lines = events.reversed().map { "\($0.user ?? "-") \($0.action) \($0.app ?? "-") \($0.detail ?? "-") | \($0.outcome)" }
            #expect(lines.contains("alice apps:create - blog | ok"), "\(lines)")
            #expect(lines.contains("alice config:set blog set API_KEY, unset OLD | ok"), "\(lines)")
            #expect(lines.contains { $0.hasPrefix("bob config:set blog - | denied: 'bob' has no access to 'blog'") }, "\(lines)")
            #expect(lines.contains { $0.hasPrefix("- login - api | refused: invalid API token") }, "\(lines)")
            #expect(lines.contains { $0.hasPrefix("alice push site refs/heads/main 0000000..") && $0.hasSuffix("over http | ok") }, "\(lines)")
            #expect(events.allSatisfy { $0.peer == "127.0.0.1" })
            let stored = try await server.store.strings(sql: "SELECT user || credential || action || detail || outcome FROM audit_events")
            #expect(!stored.contains { $0?.contains("s3cr3t") == true || $0?.contains("other-value") == true })

            // A member reads the log of an app they may read, and their own; not the rest.
            #expect(try await server.call(.get, "/audit", token: alice).status == 403)
            let mine = try server.decode([AuditEvent].self, await server.call(.get, "/audit?app=blog", token: alice))
            #expect(!mine.isEmpty && mine.allSatisfy { $0.app == "blog" })
            #expect(try await server.call(.get, "/audit?app=blog", token: bob).status == 403)
            #expect(try await server.call(.get, "/audit?user=bob", token: bob).status == 200)
            let page = try server.decode([AuditEvent].self, await server.call(.get, "/audit?limit=2", token: server.adminToken))
            let next = try server.decode([AuditEvent].self, await server.call(.get, "/audit?limit=2&before=\(page[1].id)", token: server.adminToken))
            #expect(page.count == 2 && next.first.map { $0.id < page[1].id } == true)
        }
    }

    @Test func failedLoginsFromOneAddressAreRefusedWith429OnTheAPIGitAndSSH() async throws {
        try await TeamServer.with(loginFailuresPerMinute: 10) { server in
            let alice = try await server.user("alice")
            try await server.app("blog", owner: "alice")
            let key = try await server.key("alice-laptop", of: "alice")
            let work = try await server.commit(in: "work")
            for _ in 1...10 {
                #expect(try await server.call(.get, "/whoami", token: "gantry_wrong").status == 401)
            }
            let limited = try await server.call(.get, "/whoami", token: alice)
            #expect(limited.status == 429)
            #expect(Int(limited.header("Retry-After") ?? "").map { (1...60).contains($0) } == true, "\(limited.headers)")
            #expect(limited.text.contains("too many failed logins"))
            // git over HTTP, the same address: refused before the token is looked at.
            let push = try await server.git(["push", server.httpURL("blog", token: alice), "main"], in: work)
            #expect(push.status != 0 && push.output.contains("429"), "\(push.output)")
            // SSH, the same address: even a registered key is refused.
            let sshPush = try await server.git(["push", server.sshURL("blog"), "main"], in: work, key: key)
            #expect(sshPush.status != 0, "\(sshPush.output)")
            // No credentials is not a failed login: git's first request carries none.
            #expect(try await server.call(.get, "/whoami", token: nil).status == 401)
            // A flood of refused requests is one row of the audit log, not one each.
            for _ in 1...50 { _ = try await server.call(.get, "/whoami", token: "gantry_wrong") }
            let refusals = try await server.store.strings(sql: "SELECT outcome FROM audit_events WHERE action = 'login'")
            #expect(refusals.filter { $0 == "refused: invalid API token" }.count == 10, "\(refusals)")
            #expect(refusals.filter { $0 == "refused: too many failed logins" }.count == 1, "\(refusals)")
        }
    }

    @Test func unknownSSHKeysCountOncePerConnection() async throws {
        try await TeamServer.with(loginFailuresPerMinute: 3) { server in
            _ = try await server.user("alice")
            try await server.app("blog", owner: "alice")
            let stranger = try await server.key("stranger", of: "alice", registered: false)
            let work = try await server.commit(in: "work")
            for _ in 1...3 {
                #expect(try await server.git(["push", server.sshURL("blog"), "main"], in: work, key: stranger).status != 0)
            }
            let refusals = try await server.store.strings(sql: "SELECT outcome FROM audit_events WHERE action = 'login' AND detail = 'ssh'")
            #expect(refusals == ["refused: unknown key", "refused: unknown key", "refused: unknown key"])
            let key = try await server.key("alice-laptop", of: "alice")
            #expect(try await server.git(["push", server.sshURL("blog"), "main"], in: work, key: key).status != 0, "the address is over its limit")
        }
    }

    @Test func theThrottleForgetsFailuresOlderThanItsWindow() {
        let now = Mutex(1000.0)
        let throttle = LoginThrottle(limit: 3, window: 60) { now.withLock { $0 } }
        for _ in 1...3 { throttle.failed("10.0.0.1") }
        #expect(throttle.retryAfter("10.0.0.1") == 60)
        #expect(throttle.retryAfter("10.0.0.2") == nil)
        now.withLock { $0 += 30 }
        #expect(throttle.retryAfter("10.0.0.1") == 30)
        now.withLock { $0 += 30.5 }
        #expect(throttle.retryAfter("10.0.0.1") == nil)
    }
}
