import Foundation
import GantryClient
import GantryCore
import GantryTesting
@testable import GantryServer
import Synchronization
import Testing

/// `POST /hooks/APP/ID` through a real HTTP door; deploys are recorded, not run.
@Suite struct WebhookReceiverTests {
    /// The deployments the door asked for.
    final class Deploys: Sendable {
        let seen = Mutex<[WebhookDeployment]>([])
        let outcome: WebhookDeployment.Outcome
        init(_ outcome: WebhookDeployment.Outcome = .deployed(build: 7)) { self.outcome = outcome }
        @Sendable func deploy(_ deployment: WebhookDeployment) async -> WebhookDeployment.Outcome {
            seen.withLock { $0.append(deployment) }
            return outcome
        }
        var count: Int { seen.withLock { $0.count } }
    }

    /// A push payload of `provider` for `ref` at `after`, signed as that provider signs it.
    static func delivery(
        _ provider: WebhookProvider, secret: String, ref: String = "refs/heads/main", after: String = String(repeating: "ab", count: 20),
        id: String = UUID().uuidString, event: String? = nil
    ) throws -> (HTTPHeaders, [UInt8]) {
        var payload = try JSONSerialization.jsonObject(with: WebhookFixtures.push(provider)) as! [String: Any]
        payload["ref"] = ref
        payload["after"] = after
        let body = Array(try JSONSerialization.data(withJSONObject: payload))
        let hex = WebhookSignature.hmacHex(body, secret: secret)
        var headers: HTTPHeaders = ["Content-Type": "application/json"]
        switch provider {
        case .github: headers = headers + ["X-GitHub-Event": event ?? "push", "X-GitHub-Delivery": id, "X-Hub-Signature-256": "sha256=" + hex]
        case .gitea: headers = headers + ["X-Gitea-Event": event ?? "push", "X-Gitea-Delivery": id, "X-Gitea-Signature": hex]
        case .gitlab: headers = headers + ["X-Gitlab-Event": event ?? "Push Hook", "X-Gitlab-Event-UUID": id, "X-Gitlab-Token": secret]
        }
        return (headers, body)
    }

    static func post(_ url: String, _ delivery: (HTTPHeaders, [UInt8])) async throws -> GantryClient.HTTPResponse {
        try await HTTPClient().perform(GantryClient.HTTPRequest(method: .post, url: url, headers: delivery.0, body: delivery.1))
    }

    static func hook(_ server: TestServer, _ provider: WebhookProvider, branch: String = "main", statusToken: String? = nil, apiURL: String? = nil) async throws -> CreatedWebhook {
        _ = try? await server.client.createApp("site")
        return try await server.client.createWebhook(
            app: "site", CreateWebhook(provider: provider, repoURL: "git://127.0.0.1/alice/site.git", branch: branch, statusToken: statusToken, apiURL: apiURL))
    }

    @Test(arguments: WebhookProvider.allCases)
    func aSignedPushIsAcceptedAt202AndDeployedInTheBackground(_ provider: WebhookProvider) async throws {
        // No build row exists here to point at: the deploy "fails" so the delivery records no build.
        let deploys = Deploys(.buildFailed(build: nil, reason: "tests failed"))
        try await TestServer.with(webhookDeploy: deploys.deploy) { server in
            let created = try await Self.hook(server, provider)
            #expect(created.url == server.url + "/hooks/site/\(created.webhook.id)")
            let response = try await Self.post(created.url, Self.delivery(provider, secret: created.secret, id: "d-1"))
            #expect(response.status == 202, "\(response.text)")
            #expect(response.text.contains("accepted: deploying abababa"))
            try await eventually { try await server.client.webhookDeliveries(app: "site").first?.status == .failed }
            let delivery = try #require(try await server.client.webhookDeliveries(app: "site").first)
            #expect(delivery.deliveryID == "d-1" && delivery.detail == "build failed: tests failed" && delivery.finishedAt != nil)
            let deployment = try #require(deploys.seen.withLock { $0.first })
            #expect(deployment.repoURL.rawValue == "git://127.0.0.1/alice/site.git" && deployment.branch == "main")
            #expect(deployment.trigger.deployDescription(deployment.after) == "Deploy abababa (webhook \(provider): \(deployment.pusher))")
        }
    }

    @Test func aReplayedDeliveryIsAnsweredAlreadyProcessedAndBuildsNothing() async throws {
        let deploys = Deploys()
        try await TestServer.with(webhookDeploy: deploys.deploy) { server in
            let created = try await Self.hook(server, .github)
            let delivery = try Self.delivery(.github, secret: created.secret, id: "same")
            #expect(try await Self.post(created.url, delivery).status == 202)
            let replay = try await Self.post(created.url, delivery)
            #expect(replay.status == 200 && replay.text.contains("already processed"))
            try await eventually { deploys.count == 1 }
            #expect(try await server.client.webhookDeliveries(app: "site").count == 1)
        }
    }

    @Test func aWrongOrMissingSignatureIs401AndNothingHappens() async throws {
        let deploys = Deploys()
        try await TestServer.with(webhookDeploy: deploys.deploy) { server in
            for provider in WebhookProvider.allCases {
                let created = try await Self.hook(server, provider)
                var (headers, body) = try Self.delivery(provider, secret: "not-the-secret-not-the-secret-00")
                #expect(try await Self.post(created.url, (headers, body)).status == 401)
                for name in ["X-Hub-Signature-256", "X-Gitea-Signature", "X-Gitlab-Token"] { headers[name] = nil }
                let missing = try await Self.post(created.url, (headers, body))
                #expect(missing.status == 401 && missing.text.contains("signature is missing or wrong"))
                (headers, body) = try Self.delivery(provider, secret: created.secret)
                body[body.count - 2] = UInt8(ascii: " ")
                if provider != .gitlab { #expect(try await Self.post(created.url, (headers, body)).status == 401, "a changed body") }
            }
            #expect(try await server.client.webhookDeliveries(app: "site").isEmpty)
            #expect(deploys.count == 0)
        }
    }

    @Test func unknownAppsAndHooksAre404AndBigBodies413() async throws {
        try await TestServer.with { server in
            let created = try await Self.hook(server, .gitea)
            let delivery = try Self.delivery(.gitea, secret: created.secret)
            for path in ["/hooks/nope/\(created.webhook.id)", "/hooks/site/nope", "/hooks/NOT_AN_APP/x"] {
                #expect(try await Self.post(server.url + path, delivery).status == 404, "\(path)")
            }
            let big = try await Self.post(created.url, (delivery.0, Array(repeating: UInt8(ascii: " "), count: (1 << 20) + 1)))
            #expect(big.status == 413)
        }
    }

    @Test func anUnknownAppAndAnUnknownHookOfAKnownAppGetTheSameAnswer() async throws {
        try await TestServer.with { server in
            let created = try await Self.hook(server, .github)
            let delivery = try Self.delivery(.github, secret: created.secret)
            let unknownApp = try await Self.post(server.url + "/hooks/nope/\(created.webhook.id)", delivery)
            let unknownHook = try await Self.post(server.url + "/hooks/site/nope", delivery)
            let invalidApp = try await Self.post(server.url + "/hooks/NOT_AN_APP/\(created.webhook.id)", delivery)
            #expect(unknownApp.status == 404)
            for other in [unknownHook, invalidApp] {
                #expect(other.status == unknownApp.status)
                #expect(other.body == unknownApp.body, "\(other.text) vs \(unknownApp.text)")
            }
            #expect(!unknownApp.text.contains("nope") && !unknownApp.text.contains("site"))
        }
    }

    @Test func pingIs200OtherEventsAndBranchesAre202IgnoredAndBadJSONIs400() async throws {
        let deploys = Deploys()
        try await TestServer.with(webhookDeploy: deploys.deploy) { server in
            let created = try await Self.hook(server, .github, branch: "production")
            let ping = try await Self.post(created.url, Self.delivery(.github, secret: created.secret, event: "ping"))
            #expect(ping.status == 200)
            let issues = try await Self.post(created.url, Self.delivery(.github, secret: created.secret, event: "issues"))
            #expect(issues.status == 202 && issues.text.contains("ignored"))
            let main = try await Self.post(created.url, Self.delivery(.github, secret: created.secret))
            #expect(main.status == 202 && main.text.contains("ignored: refs/heads/main is not production"))
            let deleted = try await Self.post(created.url, Self.delivery(.github, secret: created.secret, ref: "refs/heads/production", after: String(repeating: "0", count: 40)))
            #expect(deleted.status == 202 && deleted.text.contains("ignored"))

            let garbage = Array("{not json".utf8)
            let headers: HTTPHeaders = [
                "X-GitHub-Event": "push", "X-GitHub-Delivery": "g", "X-Hub-Signature-256": "sha256=" + WebhookSignature.hmacHex(garbage, secret: created.secret),
            ]
            #expect(try await Self.post(created.url, (headers, garbage)).status == 400)
            #expect(try await server.client.webhookDeliveries(app: "site").isEmpty)
            #expect(deploys.count == 0)
        }
    }

    @Test func aFailedDeployIsRecordedWithItsReason() async throws {
        let deploys = Deploys(.fetchFailed("git_remote_fetch: failed to connect to 127.0.0.1: Connection refused"))
        try await TestServer.with(webhookDeploy: deploys.deploy) { server in
            let created = try await Self.hook(server, .gitlab)
            #expect(try await Self.post(created.url, Self.delivery(.gitlab, secret: created.secret)).status == 202)
            try await eventually { try await server.client.webhookDeliveries(app: "site").first?.status == .failed }
            let delivery = try #require(try await server.client.webhookDeliveries(app: "site").first)
            #expect(delivery.detail == "fetch failed: git_remote_fetch: failed to connect to 127.0.0.1: Connection refused")
            #expect(delivery.pusher == "jsmith")
        }
    }

    @Test func commitStatusesArePostedPendingThenSuccess() async throws {
        try await withServer(TestHTTPServer.Response(status: 201, body: "{}")) { api in
            try await TestServer.with(webhookDeploy: Deploys().deploy) { server in
                let created = try await Self.hook(server, .gitea, statusToken: "tok", apiURL: api.url + "/api/v1")
                #expect(try await Self.post(created.url, Self.delivery(.gitea, secret: created.secret)).status == 202)
                try await eventually { api.requests.count == 2 }
                let requests = api.requests
                #expect(requests.map(\.target) == Array(repeating: "/api/v1/repos/alice/site/statuses/" + String(repeating: "ab", count: 20), count: 2))
                #expect(requests.map { $0.headers["authorization"] } == ["token tok", "token tok"])
                #expect(requests[0].bodyText.contains(#""state":"pending""#))
                #expect(requests[1].bodyText.contains(#""state":"success""#))
                #expect(requests[1].bodyText.contains(#""context":"gantry""#))
            }
        }
    }

    @Test func theAPIValidatesCloneURLsAndBranches() async throws {
        try await TestServer.with { server in
            _ = try await server.client.createApp("site")
            for (url, branch) in [("ssh://git@host/a.git", "main"), ("https://host/a.git", "bad..branch")] {
                await #expect(throws: ClientError.self, "\(url) \(branch)") {
                    try await server.client.createWebhook(app: "site", CreateWebhook(provider: .github, repoURL: url, branch: branch))
                }
            }
            let created = try await server.client.createWebhook(app: "site", CreateWebhook(provider: .github, repoURL: "https://github.com/a/b.git"))
            #expect(try await server.client.webhooks(app: "site").map(\.id) == [created.webhook.id])
            try await server.client.removeWebhook(app: "site", id: created.webhook.id)
            #expect(try await server.client.webhooks(app: "site").isEmpty)
        }
    }
}

/// Waits up to 10 s for `condition`.
func eventually(_ condition: () async throws -> Bool) async throws {
    let deadline = ContinuousClock.now + .seconds(10)
    while ContinuousClock.now < deadline {
        if try await condition() { return }
        try await Task.sleep(for: .milliseconds(20))
    }
    Issue.record("condition not met within 10 s")
}

private func + (lhs: HTTPHeaders, rhs: HTTPHeaders) -> HTTPHeaders {
    HTTPHeaders(lhs.fields + rhs.fields)
}
