import Foundation
import GantryCore
@testable import GantryStore
import Testing

@Suite("webhooks")
struct WebhookTests {
    static let repo = try! CloneURL("https://git.example.com/alice/site.git")

    static func delivery(_ hook: Webhook, id: String, after: ObjectID = Fixture.first) -> WebhookDelivery {
        WebhookDelivery(
            webhookID: hook.id, deliveryID: id, event: "push", ref: "refs/heads/main", after: after, pusher: "alice",
            status: .pending, detail: nil, buildID: nil, receivedAt: Date(), finishedAt: nil)
    }

    static func makeHook(_ store: Store, app: String = "site") async throws -> (Webhook, String) {
        _ = try? await store.createApp(Fixture.app(app))
        return try await store.createWebhook(
            app: Fixture.app(app), provider: .gitea, repoURL: repo, branch: "main", statusToken: "t0ken", apiURL: nil)
    }

    @Test func createdWebhooksHaveRandomURLSafeIDsAndSecretsAndListWithoutThem() async throws {
        let store = try await blocking { try Store.temporary() }
        let (first, secret) = try await Self.makeHook(store)
        let (second, otherSecret) = try await Self.makeHook(store)
        #expect(first.id != second.id && secret != otherSecret)
        #expect(first.id.count >= 16 && secret.count >= 32)
        let urlSafe = CharacterSet(charactersIn: "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_")
        #expect((first.id + secret).unicodeScalars.allSatisfy(urlSafe.contains))
        #expect(first.reportsStatus && first.path == "/hooks/site/\(first.id)")
        #expect(try await store.webhooks(app: Fixture.app("site")).map(\.id).sorted() == [first.id, second.id].sorted())
        let (read, secrets) = try await store.webhook(app: Fixture.app("site"), id: first.id)
        #expect(read == first && secrets == WebhookSecrets(secret: secret, statusToken: "t0ken"))
    }

    @Test func aWebhookBelongsToItsAppOnly() async throws {
        let store = try await blocking { try Store.temporary() }
        let (hook, _) = try await Self.makeHook(store)
        _ = try await store.createApp(Fixture.app("other"))
        await #expect(throws: StoreError.webhookNotFound(Fixture.app("other"), hook.id)) {
            try await store.webhook(app: Fixture.app("other"), id: hook.id)
        }
        await #expect(throws: StoreError.webhookNotFound(Fixture.app("other"), hook.id)) {
            try await store.deleteWebhook(app: Fixture.app("other"), id: hook.id)
        }
    }

    @Test func aReplayedDeliveryIDIsNotRecordedTwice() async throws {
        let store = try await blocking { try Store.temporary() }
        let (hook, _) = try await Self.makeHook(store)
        #expect(try await store.recordDelivery(Self.delivery(hook, id: "d-1")))
        #expect(try await store.recordDelivery(Self.delivery(hook, id: "d-1", after: Fixture.second)) == false)
        #expect(try await store.recordDelivery(Self.delivery(hook, id: "d-2")))
        #expect(try await store.deliveries(app: Fixture.app("site")).map(\.deliveryID) == ["d-2", "d-1"])
        #expect(try await store.deliveries(app: Fixture.app("site")).last?.after == Fixture.first)
    }

    @Test func finishingADeliveryRecordsItsOutcomeAndRestartsFailPendingOnes() async throws {
        let store = try await blocking { try Store.temporary() }
        let (hook, _) = try await Self.makeHook(store)
        _ = try await store.recordDelivery(Self.delivery(hook, id: "done"))
        _ = try await store.recordDelivery(Self.delivery(hook, id: "cut"))
        try await store.finishDelivery(webhookID: hook.id, deliveryID: "done", status: .failed, detail: "fetch failed: nope", buildID: nil)
        #expect(try await store.reconcileInFlight().lines == ["delivery cut to site: pending → failed (interrupted)"])
        let byID = Dictionary(uniqueKeysWithValues: try await store.deliveries(app: Fixture.app("site")).map { ($0.deliveryID, $0) })
        #expect(byID["done"]?.detail == "fetch failed: nope" && byID["done"]?.finishedAt != nil)
        #expect(byID["cut"]?.status == .failed && byID["cut"]?.detail?.hasPrefix("interrupted: gantryd stopped") == true)
    }

    @Test func removingAWebhookOrItsAppRemovesItsDeliveries() async throws {
        let store = try await blocking { try Store.temporary() }
        let (hook, _) = try await Self.makeHook(store)
        let (kept, _) = try await Self.makeHook(store)
        _ = try await store.recordDelivery(Self.delivery(hook, id: "a"))
        _ = try await store.recordDelivery(Self.delivery(kept, id: "b"))
        try await store.deleteWebhook(app: Fixture.app("site"), id: hook.id)
        #expect(try await store.deliveries(app: Fixture.app("site")).map(\.deliveryID) == ["b"])
        try await store.deleteApp(Fixture.app("site"))
        #expect(try await store.rowCount("webhooks") == 0)
        #expect(try await store.rowCount("webhook_deliveries") == 0)
    }

    @Test func theSchemaRefusesAnUnknownProviderAndABadCommit() async throws {
        let store = try await blocking { try Store.temporary() }
        let (hook, _) = try await Self.makeHook(store)
        await #expect(throws: StoreError.self) {
            try await store.execute(sql: "UPDATE webhooks SET provider = 'bitbucket' WHERE id = '\(hook.id)'")
        }
        await #expect(throws: StoreError.self) {
            try await store.execute(sql: "INSERT INTO webhook_deliveries (webhook_id, delivery_id, event, ref, after, pusher, status, received_at) VALUES ('\(hook.id)', 'x', 'push', 'refs/heads/main', 'HEAD', 'a', 'pending', '2025-01-01')")
        }
    }
}
