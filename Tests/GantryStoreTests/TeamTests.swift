import Foundation
import GantryCore
@testable import GantryStore
import Testing

@Suite("Users, access, scoped tokens, audit log")
struct TeamTests {
    static func user(_ name: String) -> UserName { try! UserName(name) }
    static func app(_ name: String) -> AppName { try! AppName(name) }

    @Test
    func aNewUserGetsAFirstTokenThatAuthenticatesAsThem() async throws {
        let store = try await blocking { try Store.temporary() }
        let (user, token) = try await store.createUser(Self.user("alice"), role: .member)
        #expect(user.role == .member)
        guard case .valid(let found, let owner) = try await store.authenticate(token: token) else {
            Issue.record("the first token is refused")
            return
        }
        #expect(owner.name == Self.user("alice") && found.name == "alice" && found.apps == nil && !found.readOnly)
        await #expect(throws: StoreError.userExists(Self.user("alice"))) { try await store.createUser(Self.user("alice"), role: .admin) }
    }

    @Test
    func theLastAdminCannotBeRemovedAndARemovedUsersTokensAndKeysGoWithThem() async throws {
        let store = try await blocking { try Store.temporary() }
        _ = try await store.createUser(Self.user("root"), role: .admin)
        let (_, token) = try await store.createUser(Self.user("alice"), role: .member)
        _ = try await store.addSSHKey(
            name: KeyName("alice"), type: "ssh-ed25519", base64: SSHKeyTests.blob, fingerprint: SSHKeyTests.fingerprint, user: Self.user("alice"))
        await #expect(throws: StoreError.lastAdmin(Self.user("root"))) { try await store.deleteUser(Self.user("root")) }
        try await store.deleteUser(Self.user("alice"))
        #expect(try await store.authenticate(token: token) == .unknown)
        #expect(try await store.sshKey(fingerprint: SSHKeyTests.fingerprint) == nil)
        #expect(try await store.users().map(\.name) == [Self.user("root")])
        _ = try await store.createUser(Self.user("second"), role: .admin)
        try await store.deleteUser(Self.user("root"))
        #expect(try await store.users().map(\.name) == [Self.user("second")])
    }

    @Test
    func aMemberSeesTheAppsTheyOwnOrWereGivenAndAnAdminSeesAll() async throws {
        let store = try await blocking { try Store.temporary() }
        _ = try await store.createUser(Self.user("root"), role: .admin)
        _ = try await store.createUser(Self.user("olga"), role: .member)
        _ = try await store.createUser(Self.user("rita"), role: .member)
        _ = try await store.createApp(Self.app("alpha"), owner: Self.user("olga"))
        _ = try await store.createApp(Self.app("beta"), owner: Self.user("root"))
        #expect(try await store.role(of: Self.user("olga"), on: Self.app("alpha")) == .owner)
        #expect(try await store.role(of: Self.user("olga"), on: Self.app("beta")) == nil)
        #expect(try await store.role(of: Self.user("root"), on: Self.app("alpha")) == .owner)
        #expect(try await store.apps(visibleTo: Self.user("olga")).map(\.name) == [Self.app("alpha")])
        #expect(try await store.apps(visibleTo: Self.user("rita")).isEmpty)
        #expect(try await store.apps(visibleTo: Self.user("root")).map(\.name) == [Self.app("alpha"), Self.app("beta")])

        _ = try await store.grantAccess(app: Self.app("alpha"), user: Self.user("rita"), role: .read)
        #expect(try await store.role(of: Self.user("rita"), on: Self.app("alpha")) == .read)
        _ = try await store.grantAccess(app: Self.app("alpha"), user: Self.user("rita"), role: .deploy)
        #expect(try await store.access(app: Self.app("alpha")).map { "\($0.user) \($0.role.rawValue)" } == ["olga owner", "rita deploy"])
        try await store.revokeAccess(app: Self.app("alpha"), user: Self.user("rita"))
        #expect(try await store.role(of: Self.user("rita"), on: Self.app("alpha")) == nil)
        await #expect(throws: StoreError.accessNotFound(Self.app("alpha"), Self.user("rita"))) {
            try await store.revokeAccess(app: Self.app("alpha"), user: Self.user("rita"))
        }
    }

    @Test
    func theLastOwnerCannotLeaveNorBeMadeLessUnlessAnotherOwnerExists() async throws {
        let store = try await blocking { try Store.temporary() }
        _ = try await store.createUser(Self.user("olga"), role: .member)
        _ = try await store.createUser(Self.user("otto"), role: .member)
        _ = try await store.createApp(Self.app("alpha"), owner: Self.user("olga"))
        await #expect(throws: StoreError.lastOwner(Self.app("alpha"), Self.user("olga"))) {
            try await store.revokeAccess(app: Self.app("alpha"), user: Self.user("olga"))
        }
        await #expect(throws: StoreError.lastOwner(Self.app("alpha"), Self.user("olga"))) {
            try await store.grantAccess(app: Self.app("alpha"), user: Self.user("olga"), role: .deploy)
        }
        _ = try await store.grantAccess(app: Self.app("alpha"), user: Self.user("otto"), role: .owner)
        try await store.revokeAccess(app: Self.app("alpha"), user: Self.user("olga"))
        #expect(try await store.access(app: Self.app("alpha")).map(\.user) == [Self.user("otto")])
    }

    @Test
    func tokensAreNarrowedRevokedAndExpired() async throws {
        let store = try await blocking { try Store.temporary() }
        _ = try await store.createUser(Self.user("olga"), role: .member)
        _ = try await store.createApp(Self.app("alpha"), owner: Self.user("olga"))
        _ = try await store.createApp(Self.app("beta"), owner: Self.user("olga"))
        let now = Date()
        let (scoped, scopedToken) = try await store.createToken(
            for: Self.user("olga"), name: "ci", apps: [Self.app("beta")], readOnly: true, expiresAt: now + 3600)
        #expect(scoped.apps == [Self.app("beta")] && scoped.readOnly && scoped.expiresAt != nil)
        guard case .valid(let found, _) = try await store.authenticate(token: scopedToken, now: now) else {
            Issue.record("a scoped token is refused")
            return
        }
        #expect(found.apps == [Self.app("beta")])
        guard case .expired(let expired) = try await store.authenticate(token: scopedToken, now: now + 3601) else {
            Issue.record("an expired token is not refused as expired")
            return
        }
        #expect(expired.id == scoped.id)

        let (laptop, laptopToken) = try await store.createToken(for: Self.user("olga"), name: "laptop")
        let revoked = try await store.revokeToken(id: laptop.id)
        #expect(revoked.revokedAt != nil)
        guard case .revoked = try await store.authenticate(token: laptopToken) else {
            Issue.record("a revoked token is not refused as revoked")
            return
        }
        await #expect(throws: StoreError.tokenNotFound(laptop.id)) { try await store.revokeToken(id: laptop.id) }
        #expect(try await store.tokens(of: Self.user("olga")).map(\.name) == ["laptop", "ci", "olga"])

        // A token narrowed to an app that is destroyed is narrowed to nothing, not widened.
        try await store.deleteApp(Self.app("beta"))
        #expect(try await store.token(id: scoped.id).apps == [])
    }

    @Test
    func theAuditLogIsAppendOnlyPagedAndFiltered() async throws {
        let store = try await blocking { try Store.temporary() }
        for index in 1...5 {
            try await store.appendAudit(AuditEntry(
                user: index.isMultiple(of: 2) ? "olga" : "rita", credential: "token x (#1)", peer: "127.0.0.1", action: "config:set",
                app: index == 5 ? "beta" : "alpha", detail: "set KEY\(index)", outcome: "ok"))
        }
        let all = try await store.audit(AuditQuery(limit: 3))
        #expect(all.map(\.id) == [5, 4, 3])
        #expect(try await store.audit(AuditQuery(before: 3, limit: 3)).map(\.id) == [2, 1])
        #expect(try await store.audit(AuditQuery(app: Self.app("alpha"), user: Self.user("olga"))).map(\.id) == [4, 2])
        await #expect(throws: StoreError.self) { try await store.execute(sql: "UPDATE audit_events SET outcome = 'forged'") }
        await #expect(throws: StoreError.self) { try await store.execute(sql: "DELETE FROM audit_events") }
        #expect(try await store.rowCount("audit_events") == 5)
        let long = try await store.appendAudit(AuditEntry(user: nil, credential: nil, peer: nil, action: "x", detail: String(repeating: "a", count: 10_000), outcome: "ok"))
        #expect(long.detail?.count == Store.auditFieldLimit)
    }

    @Test(.scratchDirectory)
    func anExistingDatabaseGetsAnAdminWhoKeepsEveryTokenKeyAndApp() async throws {
        let old = try await blocking { [path = Fixture.databasePath] in try Store(path: path, migratingUpTo: "v9-interrupted-builds") }
        try await old.execute(sql: """
            INSERT INTO apps (name, created_at) VALUES ('blog', '2025-01-01 00:00:00.000');
            INSERT INTO api_tokens (name, token_sha256, created_at) VALUES ('admin', '\(Store.sha256Hex("the-old-token"))', '2025-01-01 00:00:00.000');
            INSERT INTO ssh_keys (name, key_type, key_base64, fingerprint, created_at)
              VALUES ('laptop', 'ssh-ed25519', '\(SSHKeyTests.blob)', '\(SSHKeyTests.fingerprint)', '2025-01-01 00:00:00.000');
            """)
        try old.close()

        let store = try await blocking { [path = Fixture.databasePath] in try Store(path: path) }
        #expect(store.migrationsAppliedAtOpen == ["v10-users-access-audit", "v11-domains", "v12-certificates", "v13-acme-status", "v14-release-phases", "v15-maintenance", "v16-canaries", "v17-image-references"])
        #expect(try await store.users().map { "\($0.name) \($0.role.rawValue)" } == ["admin admin"])
        guard case .valid(let token, let user) = try await store.authenticate(token: "the-old-token") else {
            Issue.record("the token from before users is refused")
            return
        }
        #expect(token.name == "admin" && user.name == Self.user("admin"))
        #expect(try await store.sshKey(fingerprint: SSHKeyTests.fingerprint)?.user == Self.user("admin"))
        #expect(try await store.access(app: Self.app("blog")).map { "\($0.user) \($0.role.rawValue)" } == ["admin owner"])
    }

    @Test(.scratchDirectory)
    func aFreshDatabaseHasNoUserUntilGantrydMakesTheFirstAdmin() async throws {
        let store = try await blocking { [path = Fixture.databasePath] in try Store(path: path) }
        #expect(try await store.userCount() == 0)
    }
}
