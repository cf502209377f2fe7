/// `GET /api/v1/apps/NAME/releases/vN`: one release with what made it — for
/// `gantry releases:info` and the history view.
public struct ReleaseDetail: Codable, Sendable, Hashable {
    public var release: ReleaseSummary
    /// The build whose image the release runs, with its log; `nil` when it was deleted.
    public var build: Build?
    /// The release compared against: the one before it (`nil` for v1).
    public var previous: Int?
    /// The config keys added, removed and changed since `previous` (keys only, never values).
    public var configChanges: ConfigDiff

    public init(release: ReleaseSummary, build: Build?, previous: Int?, configChanges: ConfigDiff) {
        self.release = release
        self.build = build
        self.previous = previous
        self.configChanges = configChanges
    }
}

/// Which config keys differ between two snapshots; values are never carried.
public struct ConfigDiff: Codable, Sendable, Hashable {
    public var added: [String]
    public var removed: [String]
    public var changed: [String]

    public init(added: [String] = [], removed: [String] = [], changed: [String] = []) {
        self.added = added
        self.removed = removed
        self.changed = changed
    }

    /// The keys of `new` not in `old`, of `old` not in `new`, and in both with another value;
    /// each sorted.
    public init(from old: [String: String], to new: [String: String]) {
        added = new.keys.filter { old[$0] == nil }.sorted()
        removed = old.keys.filter { new[$0] == nil }.sorted()
        changed = new.keys.filter { key in old[key].map { $0 != new[key] } ?? false }.sorted()
    }

    public var isEmpty: Bool { added.isEmpty && removed.isEmpty && changed.isEmpty }
}

/// Body of `POST /api/v1/apps/NAME/rollback`: the version to roll back to; `nil` for the
/// last good release before the live one. Answered with the new release (`ReleaseSummary`).
public struct RollbackRequest: Codable, Sendable, Equatable {
    public var version: Int?
    public init(version: Int? = nil) { self.version = version }
}

/// Answer of `PATCH /api/v1/apps/NAME/config`: the whole config after the change, and the
/// release that deployed it (`nil` with `?deploy=false`, or when the app has no live release).
public struct ConfigChangeResult: Codable, Sendable, Equatable {
    public var config: [String: String]
    public var release: ReleaseSummary?
    public init(config: [String: String], release: ReleaseSummary?) {
        self.config = config
        self.release = release
    }
}

/// Body of `POST /api/v1/apps/NAME/ps/restart`: the process type to restart, or all.
public struct RestartRequest: Codable, Sendable, Equatable {
    public var type: String?
    public init(type: String? = nil) { self.type = type }
}

/// Why an operation on an app's releases or processes was refused or failed, with the HTTP
/// status class it maps to. The message says what to do.
public struct OperationError: Error, Sendable, Equatable, CustomStringConvertible {
    public enum Kind: Sendable, Equatable {
        /// The request names something invalid (400).
        case invalid
        /// It names something that does not exist (404).
        case notFound
        /// The app's state does not allow it (409).
        case conflict
        /// It was tried and failed, e.g. a health check (422); nothing changed.
        case failed
    }

    public var kind: Kind
    public var message: String

    public init(_ kind: Kind, _ message: String) {
        self.kind = kind
        self.message = message
    }

    public var description: String { message }
}
