import Foundation
import GantryCore

extension GantryAPIClient {
    /// Creates a webhook of `app`.
    /// - Returns: the URL to paste into the git server and the secret, shown this once.
    /// - Throws: `ClientError`; `.rejected` (400) for an invalid clone URL, branch or token.
    public func createWebhook(app: String, _ create: CreateWebhook) async throws(ClientError) -> CreatedWebhook {
        let body: Data
        do { body = try API.encoder().encode(create) } catch {
            throw .badResponse(detail: "cannot encode the request: \(error)")
        }
        return try await decode(send(.post, "/apps/\(Self.pathSegment(app))/webhooks", body: Array(body)))
    }

    /// The webhooks of `app`, oldest first, without their secrets.
    /// - Throws: `ClientError`; `.rejected` (404) when there is no such app.
    public func webhooks(app: String) async throws(ClientError) -> [Webhook] {
        try await decode(send(.get, "/apps/\(Self.pathSegment(app))/webhooks"))
    }

    /// Removes webhook `id` of `app` and its deliveries.
    /// - Throws: `ClientError`; `.rejected` (404) when there is no such app or webhook.
    public func removeWebhook(app: String, id: String) async throws(ClientError) {
        _ = try await send(.delete, "/apps/\(Self.pathSegment(app))/webhooks/\(Self.pathSegment(id))")
    }

    /// The latest deliveries to the webhooks of `app`, newest first.
    /// - Throws: `ClientError`; `.rejected` (404) when there is no such app.
    public func webhookDeliveries(app: String, limit: Int? = nil) async throws(ClientError) -> [WebhookDelivery] {
        try await decode(send(.get, "/apps/\(Self.pathSegment(app))/webhooks/deliveries" + (limit.map { "?limit=\($0)" } ?? "")))
    }
}
