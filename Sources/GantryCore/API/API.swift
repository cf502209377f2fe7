import Foundation

/// The REST API's wire format, shared by gantryd and the `gantry` CLI.
///
/// | method | path | body | answer |
/// |---|---|---|---|
/// | GET | /api/v1/apps | | `[App]` |
/// | POST | /api/v1/apps | `CreateApp` | 201 `App` |
/// | GET | /api/v1/apps/NAME | | `App` |
/// | DELETE | /api/v1/apps/NAME | | 204 |
/// | GET | /api/v1/apps/NAME/builds | | `[Build]` (newest first, no logs) |
/// | GET | /api/v1/apps/NAME/builds/ID | | `Build` with its log |
/// | GET | /api/v1/apps/NAME/config | | `{"KEY": "value"}`: every config var |
/// | PATCH | /api/v1/apps/NAME/config[?deploy=false] | `ConfigChange` | `ConfigChangeResult` |
/// | GET | /api/v1/apps/NAME/releases?limit=N&before=V | | `[ReleaseSummary]`, newest first |
/// | GET | /api/v1/apps/NAME/releases/vN | | `ReleaseDetail` |
/// | POST | /api/v1/apps/NAME/rollback | `RollbackRequest` | 201 `ReleaseSummary` (live) |
/// | GET | /api/v1/apps/NAME/ps | | `[AppProcess]` |
/// | GET | /api/v1/apps/NAME/formation | | `{"web": 1}` |
/// | PATCH | /api/v1/apps/NAME/formation | `{"web": 3}` | `[AppProcess]` after scaling |
/// | POST | /api/v1/apps/NAME/ps/restart | `RestartRequest` | `[AppProcess]` after restarting |
/// | GET | /api/v1/apps/NAME/logs?lines=N&ps=web.1&follow=1 | | text/plain, streamed with follow |
/// | GET | /api/v1/keys | | `[SSHKey]` (by name) |
/// | POST | /api/v1/keys | `AddSSHKey` | 201 `SSHKey` |
/// | DELETE | /api/v1/keys/NAME | | 204 |
/// | GET | /api/v1/apps/NAME/webhooks | | `[Webhook]` (no secrets) |
/// | POST | /api/v1/apps/NAME/webhooks | `CreateWebhook` | 201 `CreatedWebhook` (URL and secret, shown once) |
/// | DELETE | /api/v1/apps/NAME/webhooks/ID | | 204 |
/// | GET | /api/v1/apps/NAME/webhooks/deliveries | | `[WebhookDelivery]` (newest first) |
/// | POST | /api/v1/gc[?dry_run=1] | | `GarbageReport`: what was (would be) reclaimed on disk |
///
/// Every request carries `Authorization: Bearer TOKEN`. Errors are `APIError` with a 4xx/5xx status.
public enum API {
    /// The path prefix of every API route.
    public static let prefix = "/api/v1"

    /// A JSON encoder with the API's conventions: ISO 8601 dates, sorted keys.
    public static func encoder() -> JSONEncoder {
        let encoder = JSONEncoder()
        encoder.dateEncodingStrategy = .iso8601
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return encoder
    }

    /// A JSON decoder matching `encoder()`.
    public static func decoder() -> JSONDecoder {
        let decoder = JSONDecoder()
        decoder.dateDecodingStrategy = .iso8601
        return decoder
    }
}

/// Body of `POST /api/v1/apps`.
public struct CreateApp: Codable, Sendable, Equatable {
    public var name: String
    public init(name: String) { self.name = name }
}

/// The body of every error answer: `{"error": "..."}`.
public struct APIError: Codable, Sendable, Equatable, Error {
    public var error: String
    public init(error: String) { self.error = error }
}
