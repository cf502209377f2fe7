/// Body of `POST /api/v1/apps/NAME/webhooks`.
public struct CreateWebhook: Codable, Sendable, Equatable {
    public var provider: WebhookProvider
    public var repoURL: String
    /// Default `main`.
    public var branch: String?
    public var statusToken: String?
    public var apiURL: String?

    public init(provider: WebhookProvider, repoURL: String, branch: String? = nil, statusToken: String? = nil, apiURL: String? = nil) {
        self.provider = provider
        self.repoURL = repoURL
        self.branch = branch
        self.statusToken = statusToken
        self.apiURL = apiURL
    }
}

/// Answer of `POST /api/v1/apps/NAME/webhooks`: the URL to paste into the git server and the
/// secret, shown this once.
public struct CreatedWebhook: Codable, Sendable, Equatable {
    public var url: String
    public var secret: String
    public var webhook: Webhook

    public init(url: String, secret: String, webhook: Webhook) {
        self.url = url
        self.secret = secret
        self.webhook = webhook
    }
}
