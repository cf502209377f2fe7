import Foundation
import GantryClient
import GantryCore
@testable import GantryServer
@testable import GantryStore
import Testing

/// Every route of the HTTP door (taken from the router as it was built, so a new route without
/// a row here fails), both git doors and the webhook route, called with eight kinds of
/// credentials none of which may change anything: each is refused (401 or 403), or, for a
/// call that only reads, answered as `read` allows (a git door answers a caller without access
/// with the 404 of an app that does not exist) — and nothing in the database or the
/// repositories differs afterwards.
@Suite struct AuthorizationMatrixTests {
    /// What a route asks of its caller, as this test expects it (not as the server declares it).
    enum Rule: Equatable {
        /// No credentials needed (`/healthz`).
        case open
        /// Only the webhook's signature counts.
        case signature
        /// Any valid credential; a write needs a token that is neither read-only nor narrowed.
        case anyone(writes: Bool)
        /// A valid credential of a whole account (not narrowed to apps, not read-only).
        case account
        /// Reading the app `alpha`.
        case readAlpha
        /// Changing `alpha`, or a git door that none of the credentials may use.
        case changeAlpha
        /// Only an admin (also: the whole audit log).
        case admin
    }

    /// Each route of the door and how this test calls it: the rule, the path with its
    /// parameters filled, and a body that would change nothing were it let through.
    static let table: [String: (rule: Rule, call: String, body: String)] = [
        "GET /healthz": (.open, "/healthz", ""),
        "GET /metrics": (.admin, "/metrics", ""),
        "POST /hooks/{app}/{id}": (.signature, "/hooks/alpha/HOOK", #"{"ref": "refs/heads/main"}"#),
        "GET /{repository}/info/refs": (.changeAlpha, "/alpha.git/info/refs?service=git-receive-pack", ""),
        "POST /{repository}/git-receive-pack": (.changeAlpha, "/alpha.git/git-receive-pack", "0000"),
        // A fetch (git clone) reads; "0000" asks for nothing. info/refs for a fetch: the clones below.
        "POST /{repository}/git-upload-pack": (.readAlpha, "/alpha.git/git-upload-pack", "0000"),
        "GET /api/v1/whoami": (.anyone(writes: false), "/api/v1/whoami", ""),
        "GET /api/v1/apps": (.anyone(writes: false), "/api/v1/apps", ""),
        "POST /api/v1/apps": (.account, "/api/v1/apps", #"{"name": "alpha"}"#),
        "GET /api/v1/apps/{name}": (.readAlpha, "/api/v1/apps/alpha", ""),
        "DELETE /api/v1/apps/{name}": (.changeAlpha, "/api/v1/apps/alpha", ""),
        "GET /api/v1/apps/{name}/builds": (.readAlpha, "/api/v1/apps/alpha/builds", ""),
        "GET /api/v1/apps/{name}/builds/{id}": (.readAlpha, "/api/v1/apps/alpha/builds/1", ""),
        "GET /api/v1/apps/{name}/config": (.readAlpha, "/api/v1/apps/alpha/config", ""),
        "PATCH /api/v1/apps/{name}/config": (.changeAlpha, "/api/v1/apps/alpha/config", #"{"SECRET": "stolen"}"#),
        "GET /api/v1/apps/{name}/releases": (.readAlpha, "/api/v1/apps/alpha/releases", ""),
        "GET /api/v1/apps/{name}/releases/{version}": (.readAlpha, "/api/v1/apps/alpha/releases/v1", ""),
        "POST /api/v1/apps/{name}/rollback": (.changeAlpha, "/api/v1/apps/alpha/rollback", "{}"),
        // Its Secret holds config values: `deploy` access, as reading them (none of the credentials has it).
        "GET /api/v1/apps/{name}/export": (.changeAlpha, "/api/v1/apps/alpha/export?format=k8s", ""),
        "GET /api/v1/apps/{name}/ps": (.readAlpha, "/api/v1/apps/alpha/ps", ""),
        "GET /api/v1/apps/{name}/formation": (.readAlpha, "/api/v1/apps/alpha/formation", ""),
        "PATCH /api/v1/apps/{name}/formation": (.changeAlpha, "/api/v1/apps/alpha/formation", #"{"web": 0}"#),
        "POST /api/v1/apps/{name}/ps/restart": (.changeAlpha, "/api/v1/apps/alpha/ps/restart", "{}"),
        "POST /api/v1/apps/{name}/runs": (.changeAlpha, "/api/v1/apps/alpha/runs", #"{"command": [], "tty": false, "detach": false}"#),
        "GET /api/v1/apps/{name}/logs": (.readAlpha, "/api/v1/apps/alpha/logs", ""),
        "GET /api/v1/keys": (.anyone(writes: false), "/api/v1/keys", ""),
        "POST /api/v1/keys": (.account, "/api/v1/keys", #"{"name": "x", "publicKey": "not a key"}"#),
        "DELETE /api/v1/keys/{key}": (.changeAlpha, "/api/v1/keys/olga-laptop", ""),
        "GET /api/v1/users": (.admin, "/api/v1/users", ""),
        "POST /api/v1/users": (.admin, "/api/v1/users", #"{"name": "mallory", "role": "admin"}"#),
        "DELETE /api/v1/users/{user}": (.admin, "/api/v1/users/olga", ""),
        "GET /api/v1/apps/{name}/access": (.readAlpha, "/api/v1/apps/alpha/access", ""),
        "PUT /api/v1/apps/{name}/access/{user}": (.changeAlpha, "/api/v1/apps/alpha/access/mia", #"{"role": "owner"}"#),
        "DELETE /api/v1/apps/{name}/access/{user}": (.changeAlpha, "/api/v1/apps/alpha/access/olga", ""),
        "GET /api/v1/tokens": (.anyone(writes: false), "/api/v1/tokens", ""),
        // A token creates tokens of its own user only, never wider: the body's name is invalid,
        // so one let through is refused after the check, and nothing is made.
        "POST /api/v1/tokens": (.account, "/api/v1/tokens", #"{"name": "bad name!"}"#),
        "DELETE /api/v1/tokens/{id}": (.changeAlpha, "/api/v1/tokens/OLGA-TOKEN", ""),
        "GET /api/v1/audit": (.admin, "/api/v1/audit", ""),
        "POST /api/v1/gc": (.admin, "/api/v1/gc?dry_run=1", ""),
        "GET /api/v1/apps/{name}/webhooks": (.readAlpha, "/api/v1/apps/alpha/webhooks", ""),
        "POST /api/v1/apps/{name}/webhooks": (.changeAlpha, "/api/v1/apps/alpha/webhooks", #"{"provider": "gitea", "repoURL": "https://example.com/a.git"}"#),
        "DELETE /api/v1/apps/{name}/webhooks/{id}": (.changeAlpha, "/api/v1/apps/alpha/webhooks/HOOK", ""),
        "GET /api/v1/apps/{name}/domains": (.readAlpha, "/api/v1/apps/alpha/domains", ""),
        "POST /api/v1/apps/{name}/domains": (.changeAlpha, "/api/v1/apps/alpha/domains", #"{"domains": ["www.example.com"]}"#),
        "DELETE /api/v1/apps/{name}/domains/{domain}": (.changeAlpha, "/api/v1/apps/alpha/domains/alpha.example.com", ""),
        "GET /api/v1/apps/{name}/certs": (.readAlpha, "/api/v1/apps/alpha/certs", ""),
        "PUT /api/v1/apps/{name}/certs": (.changeAlpha, "/api/v1/apps/alpha/certs", #"{"chain": "x", "key": "y"}"#),
        "DELETE /api/v1/apps/{name}/certs": (.changeAlpha, "/api/v1/apps/alpha/certs", ""),
        "GET /api/v1/apps/{name}/maintenance": (.readAlpha, "/api/v1/apps/alpha/maintenance", ""),
        "PUT /api/v1/apps/{name}/maintenance": (.changeAlpha, "/api/v1/apps/alpha/maintenance", #"{"message": "back soon"}"#),
        "DELETE /api/v1/apps/{name}/maintenance": (.changeAlpha, "/api/v1/apps/alpha/maintenance", ""),
        "GET /api/v1/apps/{name}/canary": (.readAlpha, "/api/v1/apps/alpha/canary", ""),
        "POST /api/v1/apps/{name}/canary": (.changeAlpha, "/api/v1/apps/alpha/canary", #"{"weight": 10}"#),
        "PATCH /api/v1/apps/{name}/canary": (.changeAlpha, "/api/v1/apps/alpha/canary", #"{"weight": 20}"#),
        "POST /api/v1/apps/{name}/canary/promote": (.changeAlpha, "/api/v1/apps/alpha/canary/promote", ""),
        "POST /api/v1/apps/{name}/canary/abort": (.changeAlpha, "/api/v1/apps/alpha/canary/abort", ""),
        "GET /api/v1/apps/{name}/webhooks/deliveries": (.readAlpha, "/api/v1/apps/alpha/webhooks/deliveries", ""),
    ]

    /// A kind of credential and what it may do.
    struct Credential {
        let name: String
        /// `nil`: no `Authorization` header.
        let token: String?
        let valid: Bool
        let readOnly: Bool
        let narrowed: Bool
        let readsAlpha: Bool
    }

    @Test func everyRouteAndDoorRefusesWhatACredentialMayNotDoAndChangesNothing() async throws {
        try await TeamServer.with { server in
            // alpha and beta belong to olga; rita may read alpha; mia has no access.
            let olga = try await server.user("olga")
            let rita = try await server.user("rita")
            let mia = try await server.user("mia")
            try await server.app("alpha", owner: "olga")
            try await server.app("beta", owner: "olga")
            _ = try await server.store.grantAccess(app: AppName("alpha"), user: UserName("rita"), role: .read)
            _ = try await server.store.addDomains([DomainName("alpha.example.com")], to: AppName("alpha"))
            let olgaKey = try await server.key("olga-laptop", of: "olga")
            let ritaKey = try await server.key("rita-laptop", of: "rita")
            let miaKey = try await server.key("mia-laptop", of: "mia")
            let strangerKey = try await server.key("stranger", of: "mia", registered: false)
            let goneKey = try await server.key("gone-laptop", of: "olga")
            try await server.store.deleteSSHKey(KeyName("gone-laptop"))
            // A commit on alpha (olga pushes it over SSH), a webhook, a revoked and an expired token.
            let work = try await server.commit(in: "work")
            let pushed = try await server.git(["push", server.sshURL("alpha"), "main"], in: work, key: olgaKey)
            try #require(pushed.status == 0, "\(pushed.output)")
            let (hook, _) = try await server.store.createWebhook(
                app: AppName("alpha"), provider: .gitea, repoURL: CloneURL("https://example.com/alpha.git"), branch: "main", statusToken: nil, apiURL: nil)
            let (revokedInfo, revoked) = try await server.store.createToken(for: UserName("olga"), name: "old")
            _ = try await server.store.revokeToken(id: revokedInfo.id)
            let (_, expired) = try await server.store.createToken(for: UserName("olga"), name: "temp", expiresAt: Date() - 60)
            let (_, readOnly) = try await server.store.createToken(for: UserName("olga"), name: "ro", readOnly: true)
            let (_, otherApp) = try await server.store.createToken(for: UserName("olga"), name: "beta-ci", apps: [AppName("beta")])
            _ = olga

            let credentials = [
                Credential(name: "no credentials", token: nil, valid: false, readOnly: false, narrowed: false, readsAlpha: false),
                Credential(name: "a wrong token", token: "gantry_" + String(repeating: "0", count: 40), valid: false, readOnly: false, narrowed: false, readsAlpha: false),
                Credential(name: "a revoked token", token: revoked, valid: false, readOnly: false, narrowed: false, readsAlpha: false),
                Credential(name: "an expired token", token: expired, valid: false, readOnly: false, narrowed: false, readsAlpha: false),
                Credential(name: "a read-only token of alpha's owner", token: readOnly, valid: true, readOnly: true, narrowed: false, readsAlpha: true),
                Credential(name: "a token narrowed to beta", token: otherApp, valid: true, readOnly: false, narrowed: true, readsAlpha: false),
                Credential(name: "a member without access", token: mia, valid: true, readOnly: false, narrowed: false, readsAlpha: false),
                Credential(name: "a member with read", token: rita, valid: true, readOnly: false, narrowed: false, readsAlpha: true),
            ]

            // The router's own list of routes, each with a row in the table, and no stale row.
            let routes = Set(server.catalog.routes.map(\.description))
            for route in routes.sorted() where Self.table[route] == nil {
                Issue.record("route \(route) has no row in the authorization matrix: decide who may call it")
            }
            for route in Self.table.keys.sorted() where !routes.contains(route) {
                Issue.record("the matrix names \(route), which the router does not have")
            }

            let before = try await server.snapshot()
            let http = HTTPClient()
            for route in routes.sorted() {
                guard let row = Self.table[route] else { continue }
                let method = HTTPMethod(rawValue: String(route.split(separator: " ")[0]))!
                let path = row.call.replacingOccurrences(of: "HOOK", with: hook.id).replacingOccurrences(of: "OLGA-TOKEN", with: String(revokedInfo.id))
                for credential in credentials {
                    var headers: [(String, String)] = []
                    if let token = credential.token {
                        let gitDoor = path.contains(".git/")
                        headers.append(("Authorization", gitDoor ? "Basic " + Data("git:\(token)".utf8).base64EncodedString() : "Bearer \(token)"))
                    }
                    let gitService = path.contains("git-upload-pack") ? "git-upload-pack" : "git-receive-pack"
                    if !row.body.isEmpty { headers.append(("Content-Type", path.contains(".git/") ? "application/x-\(gitService)-request" : "application/json")) }
                    let response = try await http.perform(GantryClient.HTTPRequest(
                        method: method, url: server.url + path, headers: HTTPHeaders(headers.map { .init(name: $0.0, value: $0.1) }),
                        body: Array(row.body.utf8)))
                    let allowed = Self.allows(row.rule, method: method, credential)
                    // A git door tells a caller without access what it tells one naming no app: 404.
                    let refused = [401, 403].contains(response.status) || (path.contains(".git/") && response.status == 404)
                    if allowed {
                        #expect(!refused, "\(route) with \(credential.name): \(response.status) \(response.text.prefix(200))")
                    } else {
                        #expect(refused, "\(route) with \(credential.name) was let through: \(response.status) \(response.text.prefix(200))")
                        if !credential.valid && row.rule != .open {
                            #expect(response.status == 401, "\(route) with \(credential.name): \(response.status)")
                        }
                    }
                }
            }

            // The SSH door: push and fetch with an unknown key, a removed key, a member
            // without access and a member with read (who may clone, and only that).
            let change = try await server.commit(in: "change", text: "changed\n")
            for (name, key, fetches) in [("an unknown key", strangerKey, false), ("a removed key", goneKey, false), ("a member without access", miaKey, false), ("a member with read", ritaKey, true)] {
                let push = try await server.git(["push", server.sshURL("alpha"), "main:main", "--force"], in: change, key: key)
                #expect(push.status != 0, "ssh push with \(name) was let through: \(push.output)")
                let target = server.scratch + "/clone-\(UUID().uuidString)"
                let clone = try await server.git(["clone", "-q", server.sshURL("alpha"), target], key: key)
                #expect((clone.status == 0) == fetches, "ssh clone with \(name): \(clone.status) \(clone.output)")
            }
            // And git's own HTTP client, with each token as its password.
            for credential in credentials where credential.token != nil {
                let push = try await server.git(["push", server.httpURL("alpha", token: credential.token!), "main:main", "--force"], in: change)
                #expect(push.status != 0, "http push with \(credential.name) was let through: \(push.output)")
                let clone = try await server.git(["clone", "-q", server.httpURL("alpha", token: credential.token!), server.scratch + "/http-\(UUID().uuidString)"])
                #expect((clone.status == 0) == credential.readsAlpha, "http clone with \(credential.name): \(clone.status) \(clone.output)")
            }

            let after = try await server.snapshot()
            #expect(after == before, "changed: \(Set(after).symmetricDifference(before).sorted().prefix(20))")
        }
    }

    static func allows(_ rule: Rule, method: HTTPMethod, _ credential: Credential) -> Bool {
        switch rule {
        case .open: return true
        case .signature: return false
        case .anyone(let writes): return credential.valid && !(writes && credential.readOnly)
        case .account: return credential.valid && !credential.readOnly && !credential.narrowed
        case .readAlpha: return credential.valid && credential.readsAlpha
        case .changeAlpha, .admin: return false
        }
    }
}
