import struct Foundation.Date

/// Where a release stands. A release is recorded `pending` while it is deployed, then becomes
/// `live` (its formation serves the app) or `failed`; a live release becomes `superseded` when
/// the next one goes live. At most one release per app is live.
///
/// The raw values are stored in the database: never change one, add a case instead (with a
/// migration widening the `releases.status` CHECK constraint).
public enum ReleaseStatus: String, Hashable, Sendable, Codable, CaseIterable {
    /// Recorded; its deploy has not finished yet.
    case pending
    /// The app's current release: its processes serve the app.
    case live
    /// Its deploy failed (`Release.failureReason` says why); it never served the app.
    case failed
    /// Was live, and was replaced by a newer release.
    case superseded
}

/// One release `vN` of an app: an image, the config it runs with, and who made it and why.
/// Releases are immutable but for their status: a rollback or a config change makes a new one.
///
/// `config` holds the config vars' values, which are secrets. They never leave gantryd: a
/// `Release` encodes as its `ReleaseSummary` (config keys, no values), and its debug text and
/// mirror show the keys only.
public struct Release: Hashable, Sendable, Identifiable {
    /// Unique across apps; never reused.
    public var id: Int64
    public var app: AppName
    /// 1 for the app's first release, then one more for each release of the app.
    public var version: Int
    /// The build whose image this release runs; `nil` when the build was deleted (or for a
    /// release not made by a build).
    public var buildID: Int64?
    /// The image's name in Gantry's image store.
    public var imageTag: String
    /// The image's digest, `sha256:` and 64 lowercase hex digits.
    public var imageDigest: String
    /// Where the image was pushed, by digest (`REGISTRY/APP@sha256:…`), when gantryd pushes
    /// images to a registry (`--registry`); `nil` for an image kept on this host only.
    public var imageReference: String?
    /// The commit the image was built from, when known.
    public var commit: ObjectID?
    /// The first line of the commit's message, when its build recorded it (not stored with
    /// the release: read from the build).
    public var commitMessage: String?
    /// The config vars the release runs with, by key: a snapshot taken when it was made.
    public var config: [String: String]
    /// The process types (Procfile) and their commands.
    public var processTypes: [String: String]
    /// What made the release, for people: `Deploy 5d6e7f8`, `Rollback to v9`,
    /// `Set DATABASE_URL, DEBUG config vars`. Never holds a config value.
    public var description: String
    /// Who made it: the name of the API token, SSH key or webhook.
    public var createdBy: String
    /// How: push, webhook, rollback, config change.
    public var origin: ReleaseOrigin
    public var createdAt: Date
    public var status: ReleaseStatus
    /// Why the deploy failed, in words a user can act on; `nil` unless `status` is `failed`.
    public var failureReason: String?
    /// Its release command, when its Procfile has one and it ran (not read with every release).
    public var releasePhase: ReleasePhase?
    /// Its canary, when it ran as one (events only where one release is read).
    public var canary: Canary?

    /// A release as recorded.
    public init(
        id: Int64, app: AppName, version: Int, buildID: Int64?, imageTag: String, imageDigest: String,
        commit: ObjectID?, config: [String: String], processTypes: [String: String], description: String,
        createdBy: String, origin: ReleaseOrigin = .push, createdAt: Date, status: ReleaseStatus, failureReason: String? = nil,
        imageReference: String? = nil
    ) {
        self.imageReference = imageReference
        self.id = id
        self.app = app
        self.version = version
        self.buildID = buildID
        self.imageTag = imageTag
        self.imageDigest = imageDigest
        self.commit = commit
        self.origin = origin
        self.config = config
        self.processTypes = processTypes
        self.description = description
        self.createdBy = createdBy
        self.createdAt = createdAt
        self.status = status
        self.failureReason = failureReason
    }

    /// The keys of `config`, sorted.
    public var configKeys: [String] { config.keys.sorted() }

    /// `v12`.
    public var name: String { "v\(version)" }

    /// The release as the API shows it: everything but the config values.
    public var summary: ReleaseSummary {
        ReleaseSummary(
            id: id, app: app, version: version, buildID: buildID, imageTag: imageTag,
            imageDigest: imageDigest, commit: commit, configKeys: configKeys, processTypes: processTypes,
            description: description, createdBy: createdBy, origin: origin, createdAt: createdAt, status: status,
            failureReason: failureReason, commitMessage: commitMessage, releasePhase: releasePhase, canary: canary,
            imageReference: imageReference)
    }
}

extension Release: Encodable {
    /// Encodes the release's `summary`: its config keys, never its values.
    public func encode(to encoder: any Encoder) throws {
        try summary.encode(to: encoder)
    }
}

extension Release: CustomDebugStringConvertible, CustomReflectable {
    /// `hello v12 (live): Deploy 5d6e7f8; config keys DATABASE_URL, DEBUG`, without values.
    public var debugDescription: String {
        "\(app) \(name) (\(status.rawValue)): \(description); config keys \(configKeys.joined(separator: ", "))"
    }

    /// The summary's fields: `dump`, debuggers and test failure messages never show values.
    public var customMirror: Mirror { Mirror(reflecting: summary) }
}

/// A release as `GET /api/v1/apps/NAME/releases` answers it: a `Release` with its config
/// keys instead of its config vars, whose values are secrets.
public struct ReleaseSummary: Hashable, Sendable, Codable, Identifiable {
    public var id: Int64
    public var app: AppName
    public var version: Int
    public var buildID: Int64?
    public var imageTag: String
    public var imageDigest: String
    public var imageReference: String?
    public var commit: ObjectID?
    public var commitMessage: String?
    /// The keys of the release's config vars, sorted.
    public var configKeys: [String]
    public var processTypes: [String: String]
    public var description: String
    public var createdBy: String
    public var origin: ReleaseOrigin
    public var createdAt: Date
    public var status: ReleaseStatus
    public var failureReason: String?
    public var releasePhase: ReleasePhase?
    public var canary: Canary?

    /// A summary with these fields; see `Release` for what each means.
    public init(
        id: Int64, app: AppName, version: Int, buildID: Int64?, imageTag: String, imageDigest: String,
        commit: ObjectID?, configKeys: [String], processTypes: [String: String], description: String,
        createdBy: String, origin: ReleaseOrigin = .push, createdAt: Date, status: ReleaseStatus, failureReason: String? = nil,
        commitMessage: String? = nil, releasePhase: ReleasePhase? = nil, canary: Canary? = nil, imageReference: String? = nil
    ) {
        self.imageReference = imageReference
        self.canary = canary
        self.releasePhase = releasePhase
        self.origin = origin
        self.commitMessage = commitMessage
        self.id = id
        self.app = app
        self.version = version
        self.buildID = buildID
        self.imageTag = imageTag
        self.imageDigest = imageDigest
        self.commit = commit
        self.configKeys = configKeys
        self.processTypes = processTypes
        self.description = description
        self.createdBy = createdBy
        self.createdAt = createdAt
        self.status = status
        self.failureReason = failureReason
    }

    /// `v12`.
    public var name: String { "v\(version)" }
}

/// A release version as people write it: `v12` or `12`.
public enum ReleaseVersion {
    /// The version in `text` (`v12`, `V12` or `12`), or `nil` when it is not a positive number.
    public static func parse(_ text: String) -> Int? {
        var digits = Substring(text)
        if let first = digits.first, first == "v" || first == "V" { digits = digits.dropFirst() }
        guard !digits.isEmpty, digits.utf8.count <= 18,
              digits.utf8.allSatisfy({ (UInt8(ascii: "0")...UInt8(ascii: "9")).contains($0) }),
              let version = Int(digits), version > 0
        else { return nil }
        return version
    }
}
