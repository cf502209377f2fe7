import Foundation
import GantryCore
import Testing
@testable import GantryClient
import GantryTesting

/// The team's routes as the client calls them: method, path, query and body.
@Suite("GantryAPIClient: users, access, tokens, audit")
struct TeamAPITests {
    static let now = Date(timeIntervalSince1970: 1_700_000_000)

    static func json(_ value: some Encodable) throws -> String {
        String(decoding: try API.encoder().encode(value), as: UTF8.self)
    }

    static var token: APIToken {
        APIToken(id: 4, name: "ci", user: try! UserName("alice"), apps: [try! AppName("blog")], readOnly: true, createdAt: now,
                 expiresAt: nil, lastUsedAt: nil, revokedAt: nil)
    }

    @Test func whoamiGetsTheCallerAndTheirToken() async throws {
        let me = WhoAmI(user: User(name: try UserName("alice"), role: .member, createdAt: Self.now), token: Self.token)
        try await withServer(.init(status: 200, body: try Self.json(me))) { server in
            let answer = try await GantryAPIClient(server: server.url, token: "t").whoami()
            #expect(answer == me)
            #expect(server.requests.first?.target == "/api/v1/whoami")
        }
    }

    @Test func createUserPostsNameAndRole() async throws {
        let created = CreatedUser(name: try UserName("bob"), role: .admin, token: "gty_x")
        try await withServer(.init(status: 201, body: try Self.json(created))) { server in
            #expect(try await GantryAPIClient(server: server.url, token: "t").createUser(name: "bob", role: "admin") == created)
            let request = try #require(server.requests.first)
            #expect(request.method == "POST" && request.target == "/api/v1/users")
            #expect(try API.decoder().decode(CreateUser.self, from: Data(request.body)) == CreateUser(name: "bob", role: "admin"))
        }
    }

    @Test func grantAccessPutsTheRoleAndRevokeDeletes() async throws {
        let access = AppAccess(user: try UserName("bob"), role: .read, createdAt: Self.now)
        try await withServer(.init(status: 200, body: try Self.json(access))) { server in
            let client = GantryAPIClient(server: server.url, token: "t")
            #expect(try await client.grantAccess(app: "blog", user: "bob", role: "read") == access)
            try await client.revokeAccess(app: "blog", user: "bob")
            let requests = server.requests
            #expect(requests.map(\.method) == ["PUT", "DELETE"])
            #expect(requests.map(\.target) == ["/api/v1/apps/blog/access/bob", "/api/v1/apps/blog/access/bob"])
            #expect(try API.decoder().decode(GrantAccess.self, from: Data(requests[0].body)) == GrantAccess(role: "read"))
        }
    }

    @Test func tokensAreListedCreatedAndRevoked() async throws {
        try await withServer(.init(status: 200, body: try Self.json([Self.token]))) { server in
            let client = GantryAPIClient(server: server.url, token: "t")
            let mine = try await client.tokens()
            let all = try await client.tokens(all: true)
            #expect(mine == [Self.token] && all == [Self.token])
            #expect(server.requests.map(\.target) == ["/api/v1/tokens", "/api/v1/tokens?all=1"])
        }
        let create = CreateToken(name: "ci", apps: ["blog"], readOnly: true, expiresIn: 7_776_000)
        try await withServer(.init(status: 201, body: try Self.json(CreatedToken(token: "gty_y", info: Self.token)))) { server in
            #expect(try await GantryAPIClient(server: server.url, token: "t").createToken(create).token == "gty_y")
            let request = try #require(server.requests.first)
            #expect(request.method == "POST" && request.target == "/api/v1/tokens")
            #expect(try API.decoder().decode(CreateToken.self, from: Data(request.body)) == create)
        }
        try await withServer(.init(status: 200, body: try Self.json(Self.token))) { server in
            _ = try await GantryAPIClient(server: server.url, token: "t").revokeToken(id: 4)
            #expect(server.requests.first.map { "\($0.method) \($0.target)" } == "DELETE /api/v1/tokens/4")
        }
    }

    @Test func auditSendsItsFiltersAsAQuery() async throws {
        try await withServer(.init(status: 200, body: "[]")) { server in
            let client = GantryAPIClient(server: server.url, token: "t")
            #expect(try await client.audit().isEmpty)
            _ = try await client.audit(app: "blog", user: "bob", limit: 20, before: 99)
            _ = try await client.audit(user: "a&b=c")
            #expect(server.requests.map(\.target) == [
                "/api/v1/audit", "/api/v1/audit?app=blog&user=bob&limit=20&before=99", "/api/v1/audit?user=a%26b%3Dc",
            ])
        }
    }

    @Test func sshKeysMayBeAddedForAnotherUser() async throws {
        let key = SSHKey(name: try KeyName("bob"), type: "ssh-ed25519", fingerprint: "SHA256:x", createdAt: Self.now, user: try UserName("bob"))
        try await withServer(.init(status: 201, body: try Self.json(key))) { server in
            #expect(try await GantryAPIClient(server: server.url, token: "t").addSSHKey(name: "bob", publicKey: "ssh-ed25519 AAAA", user: "bob") == key)
            let body = try API.decoder().decode(AddSSHKey.self, from: Data(try #require(server.requests.first).body))
            #expect(body == AddSSHKey(name: "bob", publicKey: "ssh-ed25519 AAAA", user: "bob"))
        }
    }

    @Test func configForReadAccessHasKeysWithoutValues() async throws {
        try await withServer(.init(status: 200, body: #"{"A":null,"B":null}"#)) { server in
            let client = GantryAPIClient(server: server.url, token: "t")
            let vars = try await client.configVars(app: "blog")
            #expect(vars == ["A": nil, "B": nil])
            await #expect(throws: ClientError.rejected(status: 403, message: "config values of 'blog' need deploy access; this token has read access only")) {
                try await client.config(app: "blog")
            }
        }
        try await withServer(.init(status: 200, body: #"{"A":"1"}"#)) { server in
            let vars = try await GantryAPIClient(server: server.url, token: "t").configVars(app: "blog")
            #expect(vars == ["A": "1"])
        }
    }

    @Test func hiddenValuesAreNamedInTablesAndNullInJSON() throws {
        let vars: [String: String?] = ["DEBUG": "1", "DATABASE_URL": nil]
        #expect(ConfigDisplay.table(app: "blog", vars: vars) == """
            === blog Config Vars
            DATABASE_URL: (hidden: read access)
            DEBUG:        1
            """)
        #expect(try Display.json(vars) == "{\n  \"DATABASE_URL\" : null,\n  \"DEBUG\" : \"1\"\n}")
    }
}
