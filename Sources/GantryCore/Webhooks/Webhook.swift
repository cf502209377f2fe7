import struct Foundation.Date

/// The git servers whose push webhooks Gantry understands. The raw values are stored in the
/// database: never change one.
public enum WebhookProvider: String, Hashable, Sendable, Codable, CaseIterable, CustomStringConvertible {
    case gitea
    case github
    case gitlab

    public var description: String { rawValue }
}

/// A webhook of an app: pushes to `branch` of the repository at `repoURL`, announced by
/// `provider`, deploy the app. Its secret is shown once, when it is created.
public struct Webhook: Hashable, Sendable, Codable {
    /// A random URL-safe id, the last component of `/hooks/APP/ID`.
    public var id: String
    public var app: AppName
    public var provider: WebhookProvider
    /// Where the pushed commit is fetched from.
    public var repoURL: CloneURL
    /// The branch whose pushes deploy (without `refs/heads/`).
    public var branch: String
    /// Whether outcomes are reported back as commit statuses.
    public var reportsStatus: Bool
    /// The provider's API base for commit statuses, when set explicitly.
    public var apiURL: String?
    public var createdAt: Date

    public init(
        id: String, app: AppName, provider: WebhookProvider, repoURL: CloneURL, branch: String, reportsStatus: Bool,
        apiURL: String?, createdAt: Date
    ) {
        self.id = id
        self.app = app
        self.provider = provider
        self.repoURL = repoURL
        self.branch = branch
        self.reportsStatus = reportsStatus
        self.apiURL = apiURL
        self.createdAt = createdAt
    }

    /// The path a git server posts to: `/hooks/APP/ID`.
    public var path: String { "/hooks/\(app.rawValue)/\(id)" }
}

/// What gantryd keeps secret about a webhook: the HMAC secret and the provider API token.
public struct WebhookSecrets: Hashable, Sendable {
    public var secret: String
    public var statusToken: String?

    public init(secret: String, statusToken: String?) {
        self.secret = secret
        self.statusToken = statusToken
    }
}

/// Where a delivery stands. The raw values are stored in the database: never change one.
public enum DeliveryStatus: String, Hashable, Sendable, Codable, CaseIterable {
    /// Accepted; being fetched, built or deployed.
    case pending
    /// Fetched, built and live.
    case deployed
    /// Failed; the delivery's `detail` says why.
    case failed
}

/// One push a webhook delivered, with what became of it.
public struct WebhookDelivery: Hashable, Sendable, Codable {
    public var webhookID: String
    /// The provider's delivery id (`X-GitHub-Delivery`, …); a second delivery with it is a no-op.
    public var deliveryID: String
    public var event: String
    public var ref: String
    public var after: ObjectID
    public var pusher: String
    public var status: DeliveryStatus
    /// Why it failed, or what it did.
    public var detail: String?
    public var buildID: Int64?
    public var receivedAt: Date
    public var finishedAt: Date?

    public init(
        webhookID: String, deliveryID: String, event: String, ref: String, after: ObjectID, pusher: String,
        status: DeliveryStatus, detail: String?, buildID: Int64?, receivedAt: Date, finishedAt: Date?
    ) {
        self.webhookID = webhookID
        self.deliveryID = deliveryID
        self.event = event
        self.ref = ref
        self.after = after
        self.pusher = pusher
        self.status = status
        self.detail = detail
        self.buildID = buildID
        self.receivedAt = receivedAt
        self.finishedAt = finishedAt
    }
}

/// A push a webhook announced, ready to deploy: fetch `branch` from `repoURL`, expect `after`.
public struct WebhookDeployment: Hashable, Sendable {
    public var app: AppName
    public var provider: WebhookProvider
    public var repoURL: CloneURL
    public var branch: String
    public var after: ObjectID
    public var pusher: String

    public init(app: AppName, provider: WebhookProvider, repoURL: CloneURL, branch: String, after: ObjectID, pusher: String) {
        self.app = app
        self.provider = provider
        self.repoURL = repoURL
        self.branch = branch
        self.after = after
        self.pusher = pusher
    }

    /// Who deploys, as the release records it: `Deploy 5d6e7f8 (webhook gitea: alice)`.
    public var trigger: Trigger {
        Trigger(.webhook, by: pusher, note: "webhook \(provider.rawValue): \(pusher)")
    }

    /// What became of a webhook deployment.
    public enum Outcome: Hashable, Sendable {
        /// Built, tested and live.
        case deployed(build: Int64)
        /// The build, its tests or its deploy failed.
        case buildFailed(build: Int64?, reason: String)
        /// The repository could not be fetched; libgit2's message.
        case fetchFailed(String)
        /// The fetch worked but `after` is not in the repository.
        case commitNotFound(ObjectID)
        /// `after` does not descend from the commit the app's `main` is at (a replayed old
        /// payload, or a branch force-pushed to an older commit): deploying it would roll back.
        case notFastForward(after: ObjectID, deployed: ObjectID)

        /// The delivery status this outcome records.
        public var status: DeliveryStatus {
            if case .deployed = self { return .deployed }
            return .failed
        }

        /// The build, when one was started.
        public var build: Int64? {
            switch self {
            case .deployed(let build): build
            case .buildFailed(let build, _): build
            default: nil
            }
        }

        /// The delivery's detail line.
        public var detail: String {
            switch self {
            case .deployed(let build): "deployed (build \(build))"
            case .buildFailed(_, let reason): "build failed: \(reason)"
            case .fetchFailed(let message): "fetch failed: \(message)"
            case .commitNotFound(let commit): "commit \(commit.short) is not on the fetched branch; was it force-pushed away?"
            case .notFastForward(let after, let deployed) where after == deployed:
                "refused: \(after.short) is already the deployed commit; push a new commit to deploy again"
            case .notFastForward(let after, let deployed):
                "refused: \(after.short) is not a fast-forward of the deployed commit \(deployed.short); "
                    + "a webhook never rolls an app back (`gantry rollback APP` does)"
            }
        }
    }
}
