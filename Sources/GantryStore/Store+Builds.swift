import struct Foundation.Date
import GantryCore
import GRDB

extension Store {
    /// Records a build of `app` for a push of `ref` from `oldCommit` to `newCommit`, with an
    /// empty log.
    /// - Returns: the build as stored (its `log` is `""`).
    /// - Throws: `StoreError.appNotFound`; `StoreError.database` when SQLite fails.
    public func recordBuild(
        app: AppName, ref: RefName, oldCommit: ObjectID, newCommit: ObjectID, status: BuildStatus
    ) async throws(StoreError) -> Build {
        try await write("record a build of '\(app)'") { db in
            let record = BuildRecord(
                id: nil, appID: try AppRecord.id(of: app, in: db), ref: ref,
                oldCommit: oldCommit, newCommit: newCommit, status: status,
                createdAt: Date(), finishedAt: nil, log: "")
            return try record.insertAndFetch(db).build(app: app)
        }
    }

    /// Moves build `id` to `status`. When `finished`, its finish time becomes now; otherwise it
    /// is cleared.
    /// - Throws: `StoreError.database` when no build has that id (its app may have been deleted
    ///   meanwhile) or SQLite fails.
    public func updateBuild(id: Int64, status: BuildStatus, finished: Bool) async throws(StoreError) {
        let path = self.path
        try await write("update build \(id)") { db in
            let finishedAt: Date? = finished ? Date() : nil
            let changed = try BuildRecord.filter(BuildRecord.Columns.id == id).updateAll(db, [
                BuildRecord.Columns.status.set(to: status.rawValue),
                BuildRecord.Columns.finishedAt.set(to: finishedAt),
            ])
            if changed == 0 { throw StoreError.noBuild(id, path: path, operation: "update") }
        }
    }

    /// Appends `text` to build `id`'s log, as is: include the newlines you want.
    /// - Throws: `StoreError.database` when no build has that id (its app may have been deleted
    ///   meanwhile) or SQLite fails.
    public func appendBuildLog(id: Int64, _ text: String) async throws(StoreError) {
        let path = self.path
        try await write("append to the log of build \(id)") { db in
            // SQL `log || text`. (GRDB's Swift `||` operator means SQL `OR`.)
            let appended = [BuildRecord.Columns.log.sqlExpression, text.sqlExpression].joined(operator: .concat)
            let changed = try BuildRecord.filter(BuildRecord.Columns.id == id)
                .updateAll(db, BuildRecord.Columns.log.set(to: appended))
            if changed == 0 { throw StoreError.noBuild(id, path: path, operation: "append to the log of") }
        }
    }

    /// The builds of `app`, newest first, without their logs (`log` is `nil`).
    /// - Parameter limit: the most builds to return.
    /// - Throws: `StoreError.appNotFound`; `StoreError.database` when SQLite fails.
    public func builds(app: AppName, limit: Int = 100) async throws(StoreError) -> [Build] {
        precondition(limit >= 0, "a negative limit")
        return try await read("list the builds of '\(app)'") { db in
            try BuildRecord
                .select(BuildRecord.summaryColumns)
                .filter(BuildRecord.Columns.appID == AppRecord.id(of: app, in: db))
                .order(BuildRecord.Columns.id.desc)
                .limit(limit)
                .fetchAll(db)
                .map { $0.build(app: app) }
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
            return record.build(app: app)
        }
    }
}

extension StoreError {
    /// No row for build `id`: the pipeline holds an id whose app was deleted meanwhile.
    static func noBuild(_ id: Int64, path: String, operation: String) -> StoreError {
        .database("cannot \(operation) build \(id): no such build (database \(path)); was its app deleted meanwhile?")
    }
}
