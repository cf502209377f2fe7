import struct Foundation.Date
import GantryCore
import GRDB

extension Store {
    /// Records a new release of `app`, `pending` until `markReleaseLive` or `markReleaseFailed`.
    ///
    /// Its version is one more than the app's latest release (1 for the first), computed in
    /// the write transaction that inserts it: concurrent calls get distinct, consecutive
    /// versions.
    /// - Parameters:
    ///   - buildID: the build of `app` whose image this is; `nil` for none.
    ///   - imageTag: the image's name in the image store (not empty).
    ///   - imageDigest: `sha256:` and 64 lowercase hex digits.
    ///   - imageReference: where the image was pushed (`REGISTRY/APP@sha256:…`), if it was.
    ///   - config: the config vars the release runs with (`ConfigKey`/`ConfigValue` rules).
    ///   - processTypes: process type → command; types named as in a Procfile.
    ///   - description: what made it, for people (`Deploy 5d6e7f8`); never a config value.
    ///   - createdBy: who made it.
    ///   - origin: how: push, webhook, rollback, config change.
    /// - Returns: the release as stored.
    /// - Throws: `StoreError.appNotFound`; `StoreError.buildNotFound` when `buildID` is not a
    ///   build of `app`; `StoreError.invalidConfig` or `StoreError.invalidFormation` (for a
    ///   process type name) when the snapshot holds something no release may;
    ///   `StoreError.database` when a value breaks the schema (an empty image tag, a malformed
    ///   digest) or SQLite fails. Nothing is written then.
    public func createRelease(
        app: AppName, buildID: Int64?, imageTag: String, imageDigest: String, imageReference: String? = nil, commit: ObjectID?,
        config: [String: String], processTypes: [String: String], description: String, createdBy: String,
        origin: ReleaseOrigin = .push
    ) async throws(StoreError) -> Release {
        _ = try Self.validatedConfigChange(set: config, unset: [])
        for type in processTypes.keys.sorted() where !Formation.isValidType(type) {
            throw .invalidFormation(.processType(type))
        }
        let configJSON = ReleaseRecord.json(config)
        let processTypesJSON = ReleaseRecord.json(processTypes)
        return try await write("create a release of '\(app)'") { db in
            let appID = try AppRecord.id(of: app, in: db)
            if let buildID, try BuildRecord
                .filter(BuildRecord.Columns.id == buildID && BuildRecord.Columns.appID == appID)
                .isEmpty(db)
            {
                throw StoreError.buildNotFound(app, buildID)
            }
            let latest = try Self.latestVersion(of: appID, in: db)
            let record = ReleaseRecord(
                id: nil, appID: appID, version: latest + 1, buildID: buildID, imageTag: imageTag,
                imageDigest: imageDigest, imageReference: imageReference, commitID: commit, configJSON: configJSON,
                processTypesJSON: processTypesJSON, description: description, createdBy: createdBy,
                origin: origin, createdAt: Date(), status: .pending, failureReason: nil)
            return try record.insertAndFetch(db).release(app: app)
        }
    }

    /// The version `createRelease` gives `app`'s next release, unless another is created first.
    /// - Throws: `StoreError.appNotFound`; `StoreError.database`.
    public func nextReleaseVersion(app: AppName) async throws(StoreError) -> Int {
        try await read("read the latest release of '\(app)'") { db in
            try Self.latestVersion(of: try AppRecord.id(of: app, in: db), in: db) + 1
        }
    }

    private static func latestVersion(of appID: Int64, in db: Database) throws -> Int {
        try Int.fetchOne(db, ReleaseRecord.filter(ReleaseRecord.Columns.appID == appID).select(max(ReleaseRecord.Columns.version))) ?? 0
    }

    /// Makes release `id` its app's live release and the one that was live `superseded`, in
    /// one transaction: whatever happens, the app has the old live release or the new one,
    /// never none or two. Making the live release live again changes nothing.
    /// - Returns: the release that was live before (now `superseded`), if any.
    /// - Throws: `StoreError.releaseStatusConflict` when the release is `failed` or
    ///   `superseded` (nothing changes); `StoreError.database` when no release has that id (its
    ///   app may have been deleted meanwhile) or SQLite fails.
    @discardableResult
    public func markReleaseLive(id: Int64) async throws(StoreError) -> Release? {
        let path = self.path
        return try await write("make release \(id) live") { db in try Self.makeLive(id: id, path: path, in: db) }
    }

    /// `markReleaseLive` inside a transaction.
    static func makeLive(id: Int64, path: String, in db: Database) throws -> Release? {
        let (record, app) = try Self.release(id: id, path: path, operation: "make live", in: db)
        switch record.status {
        case .live: return nil
        case .pending: break
        case .failed, .superseded:
            throw StoreError.releaseStatusConflict(app, version: record.version, status: record.status, requested: .live)
        }
        let live = ReleaseRecord.Columns.status == ReleaseStatus.live.rawValue
        var previous = try ReleaseRecord.filter(ReleaseRecord.Columns.appID == record.appID && live).fetchOne(db)
        // In this order: the partial unique index allows one live row per app at any moment.
        if let old = previous {
            previous?.status = .superseded
            _ = try ReleaseRecord.filter(key: old.id)
                .updateAll(db, ReleaseRecord.Columns.status.set(to: ReleaseStatus.superseded.rawValue))
        }
        _ = try ReleaseRecord.filter(key: id)
            .updateAll(db, ReleaseRecord.Columns.status.set(to: ReleaseStatus.live.rawValue))
        return try previous?.release(app: app)
    }

    /// Marks pending release `id` as failed: it never becomes live. Marking a failed release
    /// again replaces its reason.
    /// - Parameter reason: why, in words a user can act on (not empty; never a config value).
    /// - Throws: `StoreError.releaseStatusConflict` when the release is `live` or `superseded`
    ///   (nothing changes); `StoreError.database` when no release has that id or SQLite fails.
    public func markReleaseFailed(id: Int64, reason: String) async throws(StoreError) {
        precondition(!reason.isEmpty, "release \(id) failed without a reason")
        let path = self.path
        try await write("mark release \(id) failed") { db in try Self.markFailed(id: id, reason: reason, path: path, in: db) }
    }

    /// `markReleaseFailed` inside a transaction.
    static func markFailed(id: Int64, reason: String, path: String, in db: Database) throws {
        let (record, app) = try Self.release(id: id, path: path, operation: "mark failed", in: db)
        switch record.status {
        case .pending, .failed: break
        case .live, .superseded:
            throw StoreError.releaseStatusConflict(app, version: record.version, status: record.status, requested: .failed)
        }
        _ = try ReleaseRecord.filter(key: id).updateAll(db, [
            ReleaseRecord.Columns.status.set(to: ReleaseStatus.failed.rawValue),
            ReleaseRecord.Columns.failureReason.set(to: reason),
        ])
    }

    /// The live release of `app`, or `nil` when none is (no deploy has succeeded yet).
    /// - Throws: `StoreError.appNotFound`; `StoreError.database` when SQLite fails.
    public func currentRelease(app: AppName) async throws(StoreError) -> Release? {
        try await read("read the current release of '\(app)'") { db in
            let appID = try AppRecord.id(of: app, in: db)
            return try ReleaseRecord
                .filter(ReleaseRecord.Columns.appID == appID && ReleaseRecord.Columns.status == ReleaseStatus.live.rawValue)
                .fetchOne(db)?
                .release(app: app)
        }
    }

    /// The releases of `app`, newest (highest version) first, whatever their status.
    /// - Parameters:
    ///   - limit: the most releases to return.
    ///   - version: only releases below this version: pass the last version of a page to get
    ///     the next one.
    /// - Throws: `StoreError.appNotFound`; `StoreError.database` when SQLite fails.
    public func releases(app: AppName, limit: Int = 100, before version: Int? = nil) async throws(StoreError) -> [Release] {
        precondition(limit >= 0, "a negative limit")
        return try await read("list the releases of '\(app)'") { db in
            var request = ReleaseRecord.filter(ReleaseRecord.Columns.appID == (try AppRecord.id(of: app, in: db)))
            if let version { request = request.filter(ReleaseRecord.Columns.version < version) }
            let releases = try request
                .order(ReleaseRecord.Columns.version.desc)
                .limit(limit)
                .fetchAll(db)
                .map { try $0.release(app: app) }
            return try Self.withCanaries(Self.withReleasePhases(Self.withCommitMessages(releases, in: db), output: false, in: db), events: false, in: db)
        }
    }

    /// `releases` with the commit messages of their builds.
    private static func withCommitMessages(_ releases: [Release], in db: Database) throws -> [Release] {
        let ids = Set(releases.compactMap(\.buildID))
        guard !ids.isEmpty else { return releases }
        var messages: [Int64: String] = [:]
        // One query per page; the ids are integers from the database, never text from a user.
        let rows = try Row.fetchCursor(
            db, sql: "SELECT id, commit_message FROM builds WHERE commit_message IS NOT NULL AND id IN (\(ids.map(String.init).joined(separator: ",")))")
        while let row = try rows.next() { messages[row["id"]] = row["commit_message"] }
        return releases.map { release in
            var release = release
            release.commitMessage = release.buildID.flatMap { messages[$0] }
            return release
        }
    }

    /// Release `vversion` of `app`.
    /// - Throws: `StoreError.appNotFound`; `StoreError.releaseNotFound`; `StoreError.database`
    ///   when SQLite fails.
    public func release(app: AppName, version: Int) async throws(StoreError) -> Release {
        try await read("read release v\(version) of '\(app)'") { db in
            let appID = try AppRecord.id(of: app, in: db)
            guard let record = try ReleaseRecord
                .filter(ReleaseRecord.Columns.appID == appID && ReleaseRecord.Columns.version == version)
                .fetchOne(db)
            else {
                throw StoreError.releaseNotFound(app, version: version)
            }
            return try Self.withCanaries(Self.withReleasePhases(Self.withCommitMessages([record.release(app: app)], in: db), output: true, in: db), events: true, in: db)[0]
        }
    }

    /// The live release of every app that has one, by app name: what gantryd restores when it
    /// starts.
    /// - Throws: `StoreError.database` when SQLite fails.
    public func liveReleases() async throws(StoreError) -> [Release] {
        try await read("list the live releases") { db in
            let rows = try Row.fetchCursor(db, sql: """
                SELECT releases.*, apps.name AS app_name FROM releases JOIN apps ON apps.id = releases.app_id
                WHERE releases.status = 'live' ORDER BY apps.name
                """)
            var releases: [Release] = []
            while let row = try rows.next() {
                let app = try AppName(row["app_name"] as String)
                releases.append(try ReleaseRecord(row: row).release(app: app))
            }
            return releases
        }
    }

    /// Release `id` and its app's name.
    /// - Throws: `StoreError.database` when there is no such release.
    private static func release(
        id: Int64, path: String, operation: String, in db: Database
    ) throws -> (ReleaseRecord, AppName) {
        guard let record = try ReleaseRecord.fetchOne(db, key: id),
              let name = try String.fetchOne(db, AppRecord.filter(key: record.appID).select(AppRecord.Columns.name))
        else {
            throw StoreError.database(
                "cannot \(operation) release \(id): no such release (database \(path)); was its app deleted meanwhile?")
        }
        return (record, try AppName(name))
    }
}
