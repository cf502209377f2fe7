import Foundation
import GantryCore
@testable import GantryServer
import Testing

/// The push payloads of each provider's documentation, in Tests/Fixtures/Webhooks.
enum WebhookFixtures {
    static let directory = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().appendingPathComponent("Fixtures/Webhooks").path

    static func push(_ provider: WebhookProvider) throws -> Data {
        try Data(contentsOf: URL(fileURLWithPath: directory + "/\(provider.rawValue)-push.json"))
    }
}

@Suite struct PushEventTests {
    @Test func readsGithubsDocumentedPushPayload() throws {
        let push = try PushEvent(provider: .github, body: WebhookFixtures.push(.github))
        #expect(push == PushEvent(
            ref: "refs/heads/main", after: try ObjectID("0d1a26e67d8f5eaf1f6ba5c57fc3c7d91ac0fd1c"),
            cloneURL: "https://github.com/alice/site.git", pusher: "alice"))
    }

    @Test func readsGiteasDocumentedPushPayload() throws {
        let push = try PushEvent(provider: .gitea, body: WebhookFixtures.push(.gitea))
        #expect(push == PushEvent(
            ref: "refs/heads/main", after: try ObjectID("bffeb74224043ba2feb48d137756c8a9331c449a"),
            cloneURL: "http://localhost:3000/alice/site.git", pusher: "alice"))
    }

    @Test func readsGitlabsDocumentedPushPayload() throws {
        let push = try PushEvent(provider: .gitlab, body: WebhookFixtures.push(.gitlab))
        #expect(push == PushEvent(
            ref: "refs/heads/main", after: try ObjectID("da1560886d4f094c3e6c9ef40349f7d38b5d27d7"),
            cloneURL: "http://example.com/mike/diaspora.git", pusher: "jsmith"))
    }

    @Test func refusesMalformedPayloadsWithA400() {
        for body in ["", "{", "[]", #"{"ref": "refs/heads/main"}"#, #"{"ref": 1, "after": "x"}"#, #"{"ref": "refs/heads/main", "after": "HEAD"}"#] {
            #expect(throws: HTTPProblem.self, "\(body)") { try PushEvent(provider: .github, body: Data(body.utf8)) }
            do { _ = try PushEvent(provider: .github, body: Data(body.utf8)) } catch { #expect(error.status == .badRequest) }
        }
    }

    @Test func keepsPushersPrintableAndShort() throws {
        let body = #"{"ref": "refs/heads/main", "after": "\#(String(repeating: "a", count: 40))", "user_username": "ev\u001b[31mil\#(String(repeating: "x", count: 200))"}"#
        let push = try PushEvent(provider: .gitlab, body: Data(body.utf8))
        #expect(push.pusher.hasPrefix("ev[31mil") && push.pusher.count == PushEvent.maximumPusherLength)
        let anonymous = #"{"ref": "refs/heads/main", "after": "\#(String(repeating: "a", count: 40))"}"#
        #expect(try PushEvent(provider: .github, body: Data(anonymous.utf8)).pusher == "unknown")
    }

    @Test func readsEachProvidersEventAndDeliveryHeaders() {
        func headers(_ provider: WebhookProvider, _ fields: [String: String]) -> WebhookHeaders {
            WebhookHeaders(provider: provider, header: { name in fields.first { $0.key.lowercased() == name.lowercased() }?.value })
        }
        #expect(headers(.github, ["X-GitHub-Event": "push", "X-GitHub-Delivery": "g-1"]) == WebhookHeaders(event: .push, deliveryID: "g-1"))
        #expect(headers(.gitea, ["X-Gitea-Event": "push", "X-Gitea-Delivery": "t-1"]) == WebhookHeaders(event: .push, deliveryID: "t-1"))
        #expect(headers(.gitlab, ["X-Gitlab-Event": "Push Hook", "X-Gitlab-Event-UUID": "l-1"]) == WebhookHeaders(event: .push, deliveryID: "l-1"))
        #expect(headers(.github, ["X-GitHub-Event": "ping"]).event == .ping)
        #expect(headers(.github, ["X-GitHub-Event": "issues"]).event == .other("issues"))
        #expect(headers(.gitlab, ["X-Gitlab-Event": "Tag Push Hook"]).event == .other("Tag Push Hook"))
        #expect(headers(.gitlab, ["X-Gitlab-Event": "push"]).event == .other("push"), "GitLab says Push Hook")
        #expect(headers(.github, [:]) == WebhookHeaders(event: .other(""), deliveryID: nil))
    }
}
