import struct Foundation.Date
import GantryCore
import GRDB

/// A row of `webhooks`.
struct WebhookRecord: Codable, FetchableRecord, PersistableRecord, StoredTimeRecord {
    static let databaseTableName = "webhooks"

    var id: String
    var appID: Int64
    var provider: WebhookProvider
    var repoURL: CloneURL
    var branch: String
    var secret: String
    var statusToken: String?
    var apiURL: String?
    var createdAt: Date

    enum CodingKeys: String, CodingKey {
        case id
        case appID = "app_id"
        case provider
        case repoURL = "repo_url"
        case branch
        case secret
        case statusToken = "status_token"
        case apiURL = "api_url"
        case createdAt = "created_at"
    }

    enum Columns {
        static let id = Column(CodingKeys.id)
        static let appID = Column(CodingKeys.appID)
        static let createdAt = Column(CodingKeys.createdAt)
    }

    /// The public value (no secrets).
    func webhook(app: AppName) -> Webhook {
        Webhook(
            id: id, app: app, provider: provider, repoURL: repoURL, branch: branch, reportsStatus: statusToken != nil,
            apiURL: apiURL, createdAt: createdAt)
    }

    var secrets: WebhookSecrets { WebhookSecrets(secret: secret, statusToken: statusToken) }
}

/// A row of `webhook_deliveries`.
struct DeliveryRecord: Codable, FetchableRecord, PersistableRecord, StoredTimeRecord {
    static let databaseTableName = "webhook_deliveries"

    /// `nil` until inserted.
    var id: Int64?
    var webhookID: String
    var deliveryID: String
    var event: String
    var ref: String
    var after: ObjectID
    var pusher: String
    var status: DeliveryStatus
    var detail: String?
    var buildID: Int64?
    var receivedAt: Date
    var finishedAt: Date?

    enum CodingKeys: String, CodingKey {
        case id
        case webhookID = "webhook_id"
        case deliveryID = "delivery_id"
        case event
        case ref
        case after
        case pusher
        case status
        case detail
        case buildID = "build_id"
        case receivedAt = "received_at"
        case finishedAt = "finished_at"
    }

    enum Columns {
        static let id = Column(CodingKeys.id)
        static let webhookID = Column(CodingKeys.webhookID)
        static let deliveryID = Column(CodingKeys.deliveryID)
        static let status = Column(CodingKeys.status)
        static let detail = Column(CodingKeys.detail)
        static let buildID = Column(CodingKeys.buildID)
        static let finishedAt = Column(CodingKeys.finishedAt)
    }

    var delivery: WebhookDelivery {
        WebhookDelivery(
            webhookID: webhookID, deliveryID: deliveryID, event: event, ref: ref, after: after, pusher: pusher, status: status,
            detail: detail, buildID: buildID, receivedAt: receivedAt, finishedAt: finishedAt)
    }
}
