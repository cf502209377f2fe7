import struct Foundation.Date
import GantryCore
import GRDB

extension Store {
    /// Creates a webhook of `app` with a new random id and secret.
    /// - Parameter branch: a branch name (validated by the caller as `RefName.branch`).
    /// - Returns: the webhook and its secret, which is shown to the user this once.
    /// - Throws: `StoreError.appNotFound`; `StoreError.database` when SQLite fails.
    public func createWebhook(
        app: AppName, provider: WebhookProvider, repoURL: CloneURL, branch: String, statusToken: String?, apiURL: String?
    ) async throws(StoreError) -> (Webhook, secret: String) {
        let record = try await write("create a webhook of '\(app)'") { db in
            try WebhookRecord(
                id: Self.randomURLSafe(bytes: 16), appID: try AppRecord.id(of: app, in: db), provider: provider, repoURL: repoURL,
                branch: branch, secret: Self.randomURLSafe(bytes: 32), statusToken: statusToken, apiURL: apiURL,
                createdAt: Date()
            ).insertAndFetch(db)
        }
        return (record.webhook(app: app), record.secret)
    }

    /// The webhooks of `app`, oldest first.
    /// - Throws: `StoreError.appNotFound`; `StoreError.database` when SQLite fails.
    public func webhooks(app: AppName) async throws(StoreError) -> [Webhook] {
        try await read("list the webhooks of '\(app)'") { db in
            let appID = try AppRecord.id(of: app, in: db)
            return try WebhookRecord.filter(WebhookRecord.Columns.appID == appID)
                .order(WebhookRecord.Columns.createdAt, WebhookRecord.Columns.id).fetchAll(db).map { $0.webhook(app: app) }
        }
    }

    /// Webhook `id` of `app` with its secrets, for checking a delivery.
    /// - Throws: `StoreError.appNotFound`, `.webhookNotFound`; `StoreError.database` when SQLite fails.
    public func webhook(app: AppName, id: String) async throws(StoreError) -> (Webhook, WebhookSecrets) {
        try await read("read webhook \(id.prefix(64)) of '\(app)'") { db in
            let record = try Self.webhookRecord(app: app, id: id, in: db)
            return (record.webhook(app: app), record.secrets)
        }
    }

    /// Deletes webhook `id` of `app` and its deliveries.
    /// - Throws: `StoreError.appNotFound`, `.webhookNotFound`; `StoreError.database` when SQLite fails.
    public func deleteWebhook(app: AppName, id: String) async throws(StoreError) {
        try await write("delete webhook \(id.prefix(64)) of '\(app)'") { db in
            _ = try Self.webhookRecord(app: app, id: id, in: db).delete(db)
        }
    }

    /// Records a delivery as `pending`, unless the webhook has one with the same delivery id.
    /// - Returns: `false` when the delivery was recorded before (a replay: nothing to do).
    /// - Throws: `StoreError.database` when SQLite fails (or the webhook is gone).
    public func recordDelivery(_ delivery: WebhookDelivery) async throws(StoreError) -> Bool {
        // A replay is told apart by a read, which WAL runs beside other requests; only a new
        // delivery waits for the single writer.
        let existing = DeliveryRecord.filter(
            DeliveryRecord.Columns.webhookID == delivery.webhookID && DeliveryRecord.Columns.deliveryID == delivery.deliveryID)
        if try await read("look up delivery \(delivery.deliveryID.prefix(64))", { db in try existing.fetchCount(db) }) > 0 {
            return false
        }
        return try await write("record delivery \(delivery.deliveryID.prefix(64))") { db in
            let record = DeliveryRecord(
                id: nil, webhookID: delivery.webhookID, deliveryID: delivery.deliveryID, event: delivery.event, ref: delivery.ref,
                after: delivery.after, pusher: delivery.pusher, status: delivery.status, detail: delivery.detail,
                buildID: delivery.buildID, receivedAt: delivery.receivedAt, finishedAt: delivery.finishedAt)
            do {
                try record.insert(db)
                return true
            } catch let error as DatabaseError where error.extendedResultCode == .SQLITE_CONSTRAINT_UNIQUE {
                return false
            }
        }
    }

    /// Ends a pending delivery with its outcome.
    /// - Throws: `StoreError.database` when SQLite fails. A delivery deleted meanwhile (its
    ///   webhook or app was removed) is not an error.
    public func finishDelivery(
        webhookID: String, deliveryID: String, status: DeliveryStatus, detail: String?, buildID: Int64?
    ) async throws(StoreError) {
        try await write("finish delivery \(deliveryID.prefix(64))") { db in
            _ = try DeliveryRecord
                .filter(DeliveryRecord.Columns.webhookID == webhookID && DeliveryRecord.Columns.deliveryID == deliveryID)
                .updateAll(db, [
                    DeliveryRecord.Columns.status.set(to: status.rawValue),
                    DeliveryRecord.Columns.detail.set(to: detail),
                    DeliveryRecord.Columns.buildID.set(to: buildID),
                    DeliveryRecord.Columns.finishedAt.set(to: StoredTime.text(Date())),
                ])
        }
    }

    /// The latest deliveries to the webhooks of `app`, newest first.
    /// - Throws: `StoreError.appNotFound`; `StoreError.database` when SQLite fails.
    public func deliveries(app: AppName, limit: Int = 100) async throws(StoreError) -> [WebhookDelivery] {
        try await read("list the webhook deliveries of '\(app)'") { db in
            let appID = try AppRecord.id(of: app, in: db)
            let hooks = WebhookRecord.filter(WebhookRecord.Columns.appID == appID).select(WebhookRecord.Columns.id)
            return try DeliveryRecord.filter(hooks.contains(DeliveryRecord.Columns.webhookID))
                .order(DeliveryRecord.Columns.id.desc).limit(limit).fetchAll(db).map(\.delivery)
        }
    }

    private static func webhookRecord(app: AppName, id: String, in db: Database) throws -> WebhookRecord {
        let appID = try AppRecord.id(of: app, in: db)
        guard let record = try WebhookRecord.filter(WebhookRecord.Columns.id == id && WebhookRecord.Columns.appID == appID).fetchOne(db) else {
            throw StoreError.webhookNotFound(app, String(id.prefix(64)))
        }
        return record
    }

    /// `bytes` random bytes (`SystemRandomNumberGenerator`) in unpadded base64url.
    static func randomURLSafe(bytes count: Int) -> String {
        var generator = SystemRandomNumberGenerator()
        let alphabet = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_")
        // 6 random bits per character: as many characters as carry `count` bytes.
        return String((0..<(count * 8 + 5) / 6).map { _ in alphabet[Int.random(in: 0..<64, using: &generator)] })
    }
}
