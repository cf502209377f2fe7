/// How a release came to be; `releases:info` shows it. The raw values are stored in the
/// database: never change one, add a case (with a migration widening the CHECK constraint).
public enum ReleaseOrigin: String, Hashable, Sendable, Codable, CaseIterable {
    /// A `git push` (smart-HTTP or SSH) built it.
    case push
    /// A webhook of a git server built it.
    case webhook
    /// `gantry rollback`: an earlier release's image and config, no build.
    case rollback
    /// `gantry config:set`/`config:unset`: the live release's image with new config.
    case config
}

/// Who starts a deploy and through which door: what a release records as `createdBy` and
/// `origin`.
public struct Trigger: Hashable, Sendable {
    public var origin: ReleaseOrigin
    /// The API token's or SSH key's name, or the webhook's pusher.
    public var by: String
    /// Said after the description, in parentheses: `webhook gitea: alice`.
    public var note: String?

    public init(_ origin: ReleaseOrigin, by: String, note: String? = nil) {
        self.origin = origin
        self.by = by
        self.note = note
    }

    /// `Deploy 5d6e7f8`, or `Deploy 5d6e7f8 (webhook gitea: alice)`.
    public func deployDescription(_ commit: ObjectID) -> String {
        "Deploy \(commit.short)" + (note.map { " (\($0))" } ?? "")
    }
}

/// What people see of a commit: the first line of its message and its author's name.
public struct CommitSummary: Hashable, Sendable, Codable {
    public var message: String
    public var author: String

    public init(message: String, author: String) {
        self.message = message
        self.author = author
    }
}
