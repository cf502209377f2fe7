import Foundation
import GantryCore

/// How the CLI shows webhooks and their deliveries.
public enum WebhookDisplay {
    /// `ID  PROVIDER  BRANCH  REPOSITORY  STATUS`.
    public static func table(_ hooks: [Webhook]) -> String {
        TextTable.render(
            headers: ["ID", "PROVIDER", "BRANCH", "STATUS", "REPOSITORY"],
            rows: hooks.map { [$0.id, $0.provider.rawValue, $0.branch, $0.reportsStatus ? "reported" : "-", $0.repoURL.rawValue] })
    }

    /// `RECEIVED  COMMIT  PUSHER  STATUS  DETAIL`, newest first.
    public static func deliveries(_ deliveries: [WebhookDelivery], relativeTo now: Date = Date()) -> String {
        TextTable.render(
            headers: ["RECEIVED", "WEBHOOK", "COMMIT", "PUSHER", "STATUS", "DETAIL"],
            rows: deliveries.map {
                [RelativeTime.describe($0.receivedAt, relativeTo: now), $0.webhookID, $0.after.short, $0.pusher, $0.status.rawValue, $0.detail ?? ""]
            })
    }

    /// What `webhooks:add` prints: where to paste what.
    public static func created(_ created: CreatedWebhook) -> String {
        TextTable.fields([
            ("Payload URL", created.url),
            ("Secret", created.secret),
            ("Content type", "application/json"),
            ("Events", "push (branch \(created.webhook.branch))"),
        ]) + "\n\nAdd this webhook in \(created.webhook.provider)'s repository settings; the secret is not shown again."
    }
}
