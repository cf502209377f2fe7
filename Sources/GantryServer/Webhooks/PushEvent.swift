import Foundation
import GantryCore

/// What a delivery's headers say: which event, and its delivery id.
struct WebhookHeaders: Sendable, Equatable {
    /// What the git server announces.
    enum Event: Sendable, Equatable {
        case push
        case ping
        /// Any other event, by the provider's name.
        case other(String)
    }

    var event: Event
    /// The provider's delivery id (unique per delivery, repeated by a redelivery), if sent.
    var deliveryID: String?

    init(event: Event, deliveryID: String?) {
        self.event = event
        self.deliveryID = deliveryID
    }

    /// Reads the event and delivery headers of `provider`: GitHub `X-GitHub-Event` /
    /// `X-GitHub-Delivery`, Gitea `X-Gitea-Event` / `X-Gitea-Delivery`, GitLab
    /// `X-Gitlab-Event` / `X-Gitlab-Event-UUID`.
    init(provider: WebhookProvider, header: (String) -> String?) {
        let name: String?
        switch provider {
        case .github:
            name = header("X-GitHub-Event")
            deliveryID = header("X-GitHub-Delivery")
        case .gitea:
            name = header("X-Gitea-Event") ?? header("X-GitHub-Event")
            deliveryID = header("X-Gitea-Delivery") ?? header("X-GitHub-Delivery")
        case .gitlab:
            name = header("X-Gitlab-Event")
            deliveryID = header("X-Gitlab-Event-UUID")
        }
        switch (provider, name?.trimmingCharacters(in: .whitespaces)) {
        case (.gitlab, "Push Hook"), (.github, "push"), (.gitea, "push"): event = .push
        case (_, "ping"), (_, "Ping Hook"): event = .ping
        case (_, let other): event = .other(other ?? "")
        }
        deliveryID = deliveryID?.trimmingCharacters(in: .whitespaces)
        if deliveryID?.isEmpty == true { deliveryID = nil }
    }

    /// The header that carries `provider`'s delivery id.
    static func deliveryHeader(of provider: WebhookProvider) -> String {
        switch provider {
        case .github: "X-GitHub-Delivery"
        case .gitea: "X-Gitea-Delivery"
        case .gitlab: "X-Gitlab-Event-UUID"
        }
    }
}

/// The fields of a push payload Gantry uses, read from each provider's documented format.
package struct PushEvent: Sendable, Equatable {
    /// `refs/heads/main`.
    package var ref: String
    /// The branch's new tip; zero when the branch was deleted.
    package var after: ObjectID
    /// The repository's clone URL as the git server states it.
    package var cloneURL: String?
    /// Who pushed: GitHub `pusher.name`, Gitea `pusher.login`, GitLab `user_username`.
    package var pusher: String

    /// The longest pusher name kept.
    package static let maximumPusherLength = 100

    init(ref: String, after: ObjectID, cloneURL: String?, pusher: String) {
        self.ref = ref
        self.after = after
        self.cloneURL = cloneURL
        self.pusher = pusher
    }

    /// Parses a push payload of `provider`.
    /// - Throws: `HTTPProblem` (400) saying what is missing or malformed.
    package init(provider: WebhookProvider, body: Data) throws(HTTPProblem) {
        let payload: Payload
        do {
            payload = try JSONDecoder().decode(Payload.self, from: body)
        } catch {
            throw HTTPProblem(.badRequest, "the \(provider) push payload is not valid JSON with ref and after: \(Self.summary(of: error))")
        }
        guard let after = try? ObjectID(payload.after.lowercased()) else {
            throw HTTPProblem(.badRequest, "the push payload's after is not a 40-digit commit id")
        }
        ref = payload.ref
        self.after = after
        switch provider {
        case .github:
            cloneURL = payload.repository?.cloneURL
            pusher = payload.pusher?.name ?? payload.sender?.login ?? ""
        case .gitea:
            cloneURL = payload.repository?.cloneURL
            pusher = payload.pusher?.login ?? payload.pusher?.username ?? payload.sender?.login ?? ""
        case .gitlab:
            cloneURL = payload.project?.gitHTTPURL ?? payload.repository?.gitHTTPURL
            pusher = payload.userUsername ?? payload.userName ?? ""
        }
        pusher = Self.printable(pusher)
        if pusher.isEmpty { pusher = "unknown" }
    }

    /// `text` without control characters, at most `maximumPusherLength` characters.
    private static func printable(_ text: String) -> String {
        String(String.UnicodeScalarView(text.unicodeScalars.filter { $0.value >= 0x20 && $0.value != 0x7f }).prefix(maximumPusherLength))
    }

    private static func summary(of error: any Error) -> String {
        switch error {
        case DecodingError.keyNotFound(let key, _): "\(key.stringValue) is missing"
        case DecodingError.typeMismatch(_, let context), DecodingError.valueNotFound(_, let context):
            "\(context.codingPath.map(\.stringValue).joined(separator: ".")) has the wrong type"
        default: "malformed JSON"
        }
    }

    /// The union of the three providers' push payloads, as far as Gantry reads them.
    private struct Payload: Decodable {
        struct Repository: Decodable {
            var cloneURL: String?
            var gitHTTPURL: String?
            enum CodingKeys: String, CodingKey {
                case cloneURL = "clone_url"
                case gitHTTPURL = "git_http_url"
            }
        }
        struct Person: Decodable {
            var name: String?
            var login: String?
            var username: String?
        }
        var ref: String
        var after: String
        var repository: Repository?
        var project: Repository?
        var pusher: Person?
        var sender: Person?
        var userUsername: String?
        var userName: String?

        enum CodingKeys: String, CodingKey {
            case ref, after, repository, project, pusher, sender
            case userUsername = "user_username"
            case userName = "user_name"
        }
    }
}
