import Crypto
import Foundation
import GantryClient
import GantryCore
import GantryTesting
import Testing

/// Deploys from a git server's webhooks: a real `git daemon` hosts the source, the test
/// commits to it and delivers each provider's documented push payload, signed as that
/// provider signs it, to a real gantryd.
@Suite("webhooks", .serialized, .timeLimit(.minutes(10)))
struct WebhookTests {
    @Test func signedPushesOfEachProviderDeployAndReplaysBadSignaturesAndOtherBranchesDoNot() async throws {
        try await withDaemon { gantry in
            let source = try await SourceRepository.make(in: gantry)
            defer { source.server.kill() }
            try await gantry.createApp("site")
            try await withServer(TestHTTPServer.Response(status: 201, body: "{}")) { statusAPI in
                var deployed = 0
                for provider in WebhookProvider.allCases {
                    let created = try await gantry.api.createWebhook(app: "site", CreateWebhook(
                        provider: provider, repoURL: source.url, statusToken: provider == .gitea ? "status-token" : nil,
                        apiURL: provider == .gitea ? statusAPI.url + "/api/v1" : nil))
                    let commit = try await source.commit("greeting for \(provider)", greeting: "Hello from Gantry (python-flask) via \(provider)")

                    let accepted = try await deliver(provider, created, after: commit, id: "\(provider)-1")
                    #expect(accepted.status == 202, "\(accepted.text)")
                    let delivery = try await waitForDelivery(gantry, "\(provider)-1")
                    #expect(delivery.status == .deployed, "\(delivery.detail ?? "")\n\(gantry.logTail())")
                    deployed += 1

                    #expect(try await gantry.get("site").text.contains("via \(provider)"))
                    let release = try #require(try await gantry.api.releases(app: "site").first)
                    #expect(release.description == "Deploy \(commit.prefix(7)) (webhook \(provider): \(Self.pusher(provider)))")
                    #expect(release.origin == .webhook)
                    #expect(try await gantry.serverRefs("site")["refs/heads/main"] == commit)

                    // A replay builds nothing; a wrong signature is refused; another branch is ignored.
                    let replay = try await deliver(provider, created, after: commit, id: "\(provider)-1")
                    #expect(replay.status == 200 && replay.text.contains("already processed"))
                    let forged = try await deliver(provider, created, after: commit, id: "\(provider)-forged", secret: "forged-forged-forged-forged-forged")
                    #expect(forged.status == 401)
                    let other = try await deliver(provider, created, after: commit, id: "\(provider)-2", ref: "refs/heads/feature")
                    #expect(other.status == 202 && other.text.contains("ignored"))
                    #expect(try await gantry.builds("site").count == deployed)
                }
                #expect(try await gantry.api.webhookDeliveries(app: "site").count == 3)

                // Gitea's webhook had a status token: pending, then success, for its commit.
                try await gantry.eventually("two commit statuses") { statusAPI.requests.count >= 2 }
                let statuses = statusAPI.requests
                #expect(statuses.allSatisfy { $0.target.hasPrefix("/api/v1/repos/alice/site/statuses/") && $0.headers["authorization"] == "token status-token" })
                #expect(statuses.map { $0.bodyText.contains(#""state":"pending""#) } == [true, false])
                #expect(statuses.last?.bodyText.contains(#""state":"success""#) == true)
            }
        }
    }

    @Test func anUnreachableCloneURLFailsTheDeliveryWithLibgit2sError() async throws {
        try await withDaemon { gantry in
            try await gantry.createApp("lost")
            let nowhere = "git://127.0.0.1:\(try LocalPort.free())/alice/site.git"
            let created = try await gantry.api.createWebhook(app: "lost", CreateWebhook(provider: .github, repoURL: nowhere))
            let response = try await deliver(.github, created, after: String(repeating: "1", count: 40), id: "lost-1")
            #expect(response.status == 202)
            let delivery = try await waitForDelivery(gantry, "lost-1", app: "lost")
            #expect(delivery.status == .failed)
            #expect(delivery.detail?.hasPrefix("fetch failed: git_remote_fetch: ") == true, "\(delivery.detail ?? "")")
            #expect(try await gantry.builds("lost").isEmpty)
        }
    }

    @Test func theCLIPrintsTheURLAndSecretAsJSON() async throws {
        try await withDaemon { gantry in
            try await gantry.createApp("cli")
            var environment = gantry.git.environment
            environment["GANTRY_URL"] = gantry.server
            environment["GANTRY_TOKEN"] = gantry.token
            let added = try await ChildProcess.run(
                try Templates.cli(), ["webhooks:add", "cli", "--provider", "gitlab", "--repo", "https://gitlab.example.com/g/cli.git", "--json"],
                environment: environment, timeout: .seconds(30))
            #expect(added.succeeded, "\(added)")
            let json = try #require(try JSONSerialization.jsonObject(with: added.output) as? [String: String])
            #expect(json.keys.sorted() == ["secret", "url"])
            let hooks = try await gantry.api.webhooks(app: "cli")
            #expect(json["url"] == "\(gantry.server)/hooks/cli/\(hooks.first?.id ?? "")")
            let refused = try await ChildProcess.run(
                try Templates.cli(), ["webhooks:add", "cli", "--provider", "github", "--repo", "ssh://git@github.com/a/b.git"],
                environment: environment, timeout: .seconds(30))
            #expect(refused.status == 1 && refused.stderr.contains("the scheme 'ssh' is not allowed"), "\(refused)")
        }
    }

}

/// Deliveries as a git server sends them, for the webhook suites.
protocol DeliversWebhooks {}

extension WebhookTests: DeliversWebhooks {}

extension DeliversWebhooks {
    static func pusher(_ provider: WebhookProvider) -> String {
        provider == .gitlab ? "jsmith" : "alice"
    }

    /// Posts the provider's documented push payload with `ref`, `after` and the clone URL
    /// replaced, signed (or tokened) with `secret` (default: the webhook's).
    func deliver(
        _ provider: WebhookProvider, _ created: CreatedWebhook, after: String, id: String, ref: String = "refs/heads/main", secret: String? = nil
    ) async throws -> GantryClient.HTTPResponse {
        let fixtures = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("Fixtures/Webhooks/\(provider.rawValue)-push.json")
        var payload = try JSONSerialization.jsonObject(with: Data(contentsOf: fixtures)) as! [String: Any]
        payload["ref"] = ref
        payload["after"] = after
        let body = try JSONSerialization.data(withJSONObject: payload)
        let key = SymmetricKey(data: Data((secret ?? created.secret).utf8))
        let signature = HMAC<SHA256>.authenticationCode(for: body, using: key).map { String(format: "%02x", $0) }.joined()
        var headers: HTTPHeaders = ["Content-Type": "application/json"]
        switch provider {
        case .github:
            headers["X-GitHub-Event"] = "push"
            headers["X-GitHub-Delivery"] = id
            headers["X-Hub-Signature-256"] = "sha256=" + signature
        case .gitea:
            headers["X-Gitea-Event"] = "push"
            headers["X-Gitea-Delivery"] = id
            headers["X-Gitea-Signature"] = signature
        case .gitlab:
            headers["X-Gitlab-Event"] = "Push Hook"
            headers["X-Gitlab-Event-UUID"] = id
            headers["X-Gitlab-Token"] = secret ?? created.secret
        }
        return try await HTTPClient().perform(GantryClient.HTTPRequest(method: .post, url: created.url, headers: headers, body: Array(body)))
    }

    /// Waits (up to 5 minutes: a cold pip install) for delivery `id` to finish.
    func waitForDelivery(_ gantry: GantryDaemon, _ id: String, app: String = "site") async throws -> WebhookDelivery {
        let deadline = ContinuousClock.now + .seconds(300)
        while ContinuousClock.now < deadline {
            if let delivery = try await gantry.api.webhookDeliveries(app: app).first(where: { $0.deliveryID == id }), delivery.status != .pending {
                return delivery
            }
            try await Task.sleep(for: .milliseconds(200))
        }
        throw FixtureFailure("delivery \(id) did not finish; gantryd's log:\n\(gantry.logTail())")
    }
}

/// The source repository on the git server: `alice/site.git` under a `git daemon`, holding
/// the python-flask template, and the work tree the test commits from.
struct SourceRepository: Sendable {
    let server: GitDaemon
    let work: GitRepo
    let bare: String

    var url: String { server.url("alice/site.git") }

    static func make(in gantry: GantryDaemon) async throws -> SourceRepository {
        let base = try gantry.scratch.directory("git-server")
        let bare = base + "/alice/site.git"
        try await gantry.git.checked(["init", "-q", "--bare", "-b", "main", bare])
        let (work, _) = try await gantry.makeRepo("site-source", template: "python-flask")
        try await work.checked(["push", "-q", bare, "main"])
        return SourceRepository(server: try await GitDaemon.start(base: base, git: gantry.git), work: work, bare: bare)
    }

    /// Commits a new greeting (the template's tests look for "Hello from Gantry") and pushes
    /// it to the git server; returns the commit.
    func commit(_ message: String, greeting: String) async throws -> String {
        let app = try String(contentsOfFile: work.path + "/app.py", encoding: .utf8)
            .split(separator: "\n", omittingEmptySubsequences: false)
            .map { $0.contains(#"return "Hello"#) ? #"    return "\#(greeting)\n""# : String($0) }
            .joined(separator: "\n")
        let commit = try await work.commit(message, files: ["app.py": app])
        try await work.checked(["push", "-q", "-f", bare, "main"])
        return commit
    }
}
