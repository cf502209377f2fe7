import struct Foundation.Date
import GantryCore
import GRDB

extension Store {
    /// Records a build of `app` for a push of `ref` from `oldCommit` to `newCommit`, with an
    /// empty log.
    /// - Returns: the build as stored (its `log` is `""`).
    /// - Throws: `StoreError.appNotFound`; `StoreError.database` when SQLite fails.
    public func recordBuild(
        app: AppName, ref: RefName, oldCommit: ObjectID, newCommit: ObjectID, status: BuildStatus,
        commit summary: CommitSummary? = nil
    ) async throws(StoreError) -> Build {
        try await write("record a build of '\(app)'") { db in
            let record = BuildRecord(
                id: nil, appID: try AppRecord.id(of: app, in: db), ref: ref,
                oldCommit: oldCommit, newCommit: newCommit, status: status,
                createdAt: Date(), finishedAt: nil)
            var build = try record.insertAndFetch(db).build(app: app, log: "")
            if let summary {
                // Not a BuildRecord field: databases upgraded in tests are seeded through this
                // API before v6 added the columns.
                try db.execute(
                    sql: "UPDATE builds SET commit_message = ?, commit_author = ? WHERE id = ?",
                    arguments: [summary.message, summary.author, build.id])
                build.commitSummary = summary
            }
            return build
        }
    }

    /// Moves build `id` to `status`. When `finished`, its finish time becomes now; otherwise it
    /// is cleared.
    /// - Throws: `StoreError.database` when no build has that id (its app may have been deleted
    ///   meanwhile) or SQLite fails.
    public func updateBuild(id: Int64, status: BuildStatus, finished: Bool) async throws(StoreError) {
        let path = self.path
        try await write("update build \(id)") { db in
            let finishedAt = finished ? StoredTime.text(Date()) : nil
            let changed = try BuildRecord.filter(BuildRecord.Columns.id == id).updateAll(db, [
                BuildRecord.Columns.status.set(to: status.rawValue),
                BuildRecord.Columns.finishedAt.set(to: finishedAt),
            ])
            if changed == 0 { throw StoreError.noBuild(id, path: path, operation: "update") }
        }
    }

    /// Ends build `id`: sets its final `status`, its finish time to now, and its failure reason.
    /// - Parameters:
    ///   - status: a finished status (`status.isFinished`).
    ///   - failureReason: why it failed, in words a user can act on; `nil` for `built` and
    ///     `succeeded`. Replaces any earlier reason.
    /// - Throws: `StoreError.database` when no build has that id (its app may have been deleted
    ///   meanwhile) or SQLite fails.
    public func finishBuild(id: Int64, status: BuildStatus, failureReason: String?) async throws(StoreError) {
        precondition(status.isFinished, "finishing build \(id) with the unfinished status \(status)")
        precondition(
            failureReason == nil || !(status == .built || status == .succeeded),
            "build \(id) finished as \(status) but with a failure reason")
        let path = self.path
        try await write("finish build \(id)") { db in
            let changed = try BuildRecord.filter(BuildRecord.Columns.id == id).updateAll(db, [
                BuildRecord.Columns.status.set(to: status.rawValue),
                BuildRecord.Columns.finishedAt.set(to: StoredTime.text(Date())),
                BuildRecord.Columns.failureReason.set(to: failureReason),
            ])
            if changed == 0 { throw StoreError.noBuild(id, path: path, operation: "finish") }
        }
    }

    /// Records what the detect, build or test stage found about build `id`. Only the non-`nil`
    /// arguments are written; the other fields keep their values.
    /// - Parameters:
    ///   - buildpack: the buildpack that detected the app (non-empty).
    ///   - stack: the stack the image is built on (non-empty).
    ///   - imageDigest: the built image, `sha256:` and 64 lowercase hex digits.
    ///   - buildSeconds: how long the build stage took (finite, not negative).
    ///   - testSeconds: how long the test stage took (finite, not negative).
    /// - Throws: `StoreError.database` when no build has that id (its app may have been deleted
    ///   meanwhile), when a value breaks the schema's constraints (an empty buildpack or stack,
    ///   a malformed digest: nothing is written then), or when SQLite fails.
    public func recordStages(
        id: Int64, buildpack: String? = nil, stack: String? = nil, imageDigest: String? = nil,
        buildSeconds: Double? = nil, testSeconds: Double? = nil
    ) async throws(StoreError) {
        // SQLite would store NaN as NULL, and the CHECK constraints let NULL through.
        for seconds in [buildSeconds, testSeconds].compactMap(\.self) {
            precondition(seconds.isFinite && seconds >= 0, "a stage of build \(id) took \(seconds) s")
        }
        let path = self.path
        try await write("record a stage of build \(id)") { db in
            var assignments: [ColumnAssignment] = []
            if let buildpack { assignments.append(BuildRecord.Columns.buildpack.set(to: buildpack)) }
            if let stack { assignments.append(BuildRecord.Columns.stack.set(to: stack)) }
            if let imageDigest { assignments.append(BuildRecord.Columns.imageDigest.set(to: imageDigest)) }
            if let buildSeconds { assignments.append(BuildRecord.Columns.buildSeconds.set(to: buildSeconds)) }
            if let testSeconds { assignments.append(BuildRecord.Columns.testSeconds.set(to: testSeconds)) }
            let request = BuildRecord.filter(BuildRecord.Columns.id == id)
            let found = if assignments.isEmpty {
                try request.isEmpty(db) == false
            } else {
                try request.updateAll(db, assignments) > 0
            }
            if !found { throw StoreError.noBuild(id, path: path, operation: "record a stage of") }
        }
    }

    /// Appends `text` to build `id`'s log, as is: include the newlines you want.
    ///
    /// Each call adds a row, so an append costs the same however long the log already is. Each
    /// is also a write transaction of its own (about 0.1 ms): batch lines that come in bursts.
    /// - Throws: `StoreError.database` when no build has that id (its app may have been deleted
    ///   meanwhile) or SQLite fails.
    public func appendBuildLog(id: Int64, _ text: String) async throws(StoreError) {
        let path = self.path
        try await write("append to the log of build \(id)") { db in
            let found: Bool
            if text.isEmpty {
                // Nothing to store; still tell a caller holding a stale id.
                found = try BuildRecord.exists(db, key: id)
            } else {
                do {
                    try BuildLogChunkRecord(id: nil, buildID: id, text: text).insert(db)
                    found = true
                } catch let error as DatabaseError where error.extendedResultCode == .SQLITE_CONSTRAINT_FOREIGNKEY {
                    found = false
                }
            }
            if !found { throw StoreError.noBuild(id, path: path, operation: "append to the log of") }
        }
    }

    /// The builds of `app`, newest first, without their logs (`log` is `nil`).
    /// - Parameter limit: the most builds to return.
    /// - Throws: `StoreError.appNotFound`; `StoreError.database` when SQLite fails.
    public func builds(app: AppName, limit: Int = 100) async throws(StoreError) -> [Build] {
        precondition(limit >= 0, "a negative limit")
        return try await read("list the builds of '\(app)'") { db in
            try BuildRecord
                .filter(BuildRecord.Columns.appID == AppRecord.id(of: app, in: db))
                .order(BuildRecord.Columns.id.desc)
                .limit(limit)
                .fetchAll(db)
                .map { $0.build(app: app, log: nil) }
        }
    }

    /// Build `id` of `app`, with its log.
    /// - Throws: `StoreError.appNotFound`; `StoreError.buildNotFound` when `app` has no build
    ///   `id` (also when build `id` belongs to another app); `StoreError.database` when SQLite
    ///   fails.
    public func build(app: AppName, id: Int64) async throws(StoreError) -> Build {
        try await read("read build \(id) of '\(app)'") { db in
            let appID = try AppRecord.id(of: app, in: db)
            guard let record = try BuildRecord
                .filter(BuildRecord.Columns.appID == appID && BuildRecord.Columns.id == id)
                .fetchOne(db)
            else {
                throw StoreError.buildNotFound(app, id)
            }
            var build = record.build(app: app, log: try BuildLogChunkRecord.log(of: id, in: db))
            if let row = try Row.fetchOne(db, sql: "SELECT commit_message, commit_author FROM builds WHERE id = ?", arguments: [id]),
               let message: String = row["commit_message"]
            {
                build.commitSummary = CommitSummary(message: message, author: row["commit_author"] ?? "")
            }
            return build
        }
    }
}

extension StoreError {
    /// No row for build `id`: the pipeline holds an id whose app was deleted meanwhile.
    static func noBuild(_ id: Int64, path: String, operation: String) -> StoreError {
        .database("cannot \(operation) build \(id): no such build (database \(path)); was its app deleted meanwhile?")
    }
}
