import Foundation
import GantryCore
import GRDB

/// Canaries (`Canary`): one row per release that ran as one, with its events. A running
/// canary's release is `pending`; its promotion makes it `live` and its abort `failed`, each in
/// the same transaction as the canary's end.
extension Store {
    /// Records that pending release `releaseID` serves `weight`% of its app's traffic beside the
    /// live release `stable`, with a first event.
    /// - Throws: `StoreError.database` (e.g. the app has a running canary already).
    public func startCanary(
        releaseID: Int64, stable: Int, weight: Int, analysis: CanaryAnalysis?, event: String, at now: Date = Date()
    ) async throws(StoreError) -> Canary {
        try await write("record the canary of release \(releaseID)") { db in
            let json = try analysis.map { String(decoding: try JSONEncoder().encode($0), as: UTF8.self) }
            try db.execute(
                sql: """
                    INSERT INTO canaries (app_id, release_id, stable_version, weight, analysis, state, started_at)
                    SELECT app_id, id, ?, ?, ?, 'running', ? FROM releases WHERE id = ?
                    """,
                arguments: [stable, weight, json, StoredTime.text(now), releaseID])
            guard db.changesCount == 1 else { throw StoreError.database("release \(releaseID) does not exist") }
            let id = db.lastInsertedRowID
            try Self.insertEvent(canary: id, weight: weight, text: event, at: now, in: db)
            return try Self.canaries(where: "canaries.id = \(id)", events: true, in: db)[0]
        }
    }

    /// The running canary of `app`, else its last one, with its events; `nil` if it never had one.
    /// - Throws: `StoreError.appNotFound`; `StoreError.database`.
    public func canary(app: AppName) async throws(StoreError) -> Canary? {
        try await read("read the canary of '\(app)'") { db in
            let appID = try AppRecord.id(of: app, in: db)
            return try Self.canaries(where: "canaries.app_id = \(appID)", order: "canaries.state = 'running' DESC, canaries.id DESC", limit: 1, events: true, in: db).first
        }
    }

    /// Sets a running canary's weight and records why.
    /// - Throws: `StoreError.database`.
    public func setCanaryWeight(id: Int64, weight: Int, event: String, at now: Date = Date()) async throws(StoreError) {
        try await write("set the weight of canary \(id)") { db in
            try db.execute(sql: "UPDATE canaries SET weight = ? WHERE id = ? AND state = 'running'", arguments: [weight, id])
            try Self.insertEvent(canary: id, weight: weight, text: event, at: now, in: db)
        }
    }

    /// Records something that happened to canary `id` (an analysis verdict that changed nothing).
    public func recordCanaryEvent(id: Int64, _ text: String, at now: Date = Date()) async throws(StoreError) {
        try await write("record an event of canary \(id)") { db in
            let weight = try Int.fetchOne(db, sql: "SELECT weight FROM canaries WHERE id = ?", arguments: [id]) ?? 0
            try Self.insertEvent(canary: id, weight: weight, text: text, at: now, in: db)
        }
    }

    /// Ends canary `id` as promoted (its release becomes live, the live one `superseded`) or
    /// aborted (its release `failed`, "canary aborted: reason"), in one transaction.
    /// - Returns: the release that was live before a promotion.
    /// - Throws: `StoreError.releaseStatusConflict` when its release is no longer pending;
    ///   `StoreError.database`.
    @discardableResult
    public func finishCanary(id: Int64, _ state: CanaryState, reason: String, at now: Date = Date()) async throws(StoreError) -> Release? {
        precondition(state != .running, "a canary finishes promoted or aborted")
        let path = self.path
        return try await write("finish canary \(id)") { db in
            guard let row = try Row.fetchOne(db, sql: "SELECT release_id, weight, state FROM canaries WHERE id = ?", arguments: [id]) else {
                throw StoreError.database("canary \(id) does not exist")
            }
            guard row["state"] as String == CanaryState.running.rawValue else { return nil }
            let releaseID: Int64 = row["release_id"]
            var previous: Release?
            if state == .promoted {
                previous = try Self.makeLive(id: releaseID, path: path, in: db)
            } else {
                try Self.markFailed(id: releaseID, reason: "canary aborted: \(reason)", path: path, in: db)
            }
            try db.execute(
                sql: "UPDATE canaries SET state = ?, reason = ?, finished_at = ? WHERE id = ?",
                arguments: [state.rawValue, reason, StoredTime.text(now), id])
            try Self.insertEvent(canary: id, weight: row["weight"], text: "\(state.rawValue): \(reason)", at: now, in: db)
            return previous
        }
    }

    /// `releases` with their canaries (without events in listings, `events` for one release).
    static func withCanaries(_ releases: [Release], events: Bool, in db: Database) throws -> [Release] {
        guard !releases.isEmpty else { return releases }
        // The ids are integers from the database, never text from a user.
        let found = try canaries(where: "canaries.release_id IN (\(releases.map { String($0.id) }.joined(separator: ",")))", events: events, in: db)
        var byVersion: [String: Canary] = [:]
        for canary in found { byVersion["\(canary.app.rawValue) \(canary.release)"] = canary }
        return releases.map { release in
            var release = release
            release.canary = byVersion["\(release.app.rawValue) \(release.version)"]
            return release
        }
    }

    private static func canaries(where condition: String, order: String = "canaries.id", limit: Int? = nil, events: Bool, in db: Database) throws -> [Canary] {
        let rows = try Row.fetchAll(
            db,
            sql: """
                SELECT canaries.*, apps.name AS app_name, releases.version AS version FROM canaries
                JOIN apps ON apps.id = canaries.app_id JOIN releases ON releases.id = canaries.release_id
                WHERE \(condition) ORDER BY \(order)\(limit.map { " LIMIT \($0)" } ?? "")
                """)
        return try rows.map { row in
            let id: Int64 = row["id"]
            let analysis = try (row["analysis"] as String?).map { try JSONDecoder().decode(CanaryAnalysis.self, from: Data($0.utf8)) }
            var canary = Canary(
                id: id, app: try AppName(row["app_name"] as String), release: row["version"], stable: row["stable_version"], weight: row["weight"],
                analysis: analysis, state: CanaryState(rawValue: row["state"]) ?? .aborted, reason: row["reason"],
                startedAt: StoredTime.date(row["started_at"] as DatabaseValue) ?? Date(timeIntervalSince1970: 0),
                finishedAt: StoredTime.date(row["finished_at"] as DatabaseValue))
            if events {
                canary.events = try Row.fetchAll(db, sql: "SELECT at, weight, text FROM canary_events WHERE canary_id = ? ORDER BY id", arguments: [id]).map { event in
                    CanaryEvent(at: StoredTime.date(event["at"] as DatabaseValue) ?? Date(timeIntervalSince1970: 0), weight: event["weight"], text: event["text"])
                }
            }
            return canary
        }
    }

    private static func insertEvent(canary: Int64, weight: Int, text: String, at now: Date, in db: Database) throws {
        let clipped = text.utf8.count > 2000 ? String(decoding: text.utf8.prefix(1990), as: UTF8.self) + " …" : text
        try db.execute(
            sql: "INSERT INTO canary_events (canary_id, at, weight, text) VALUES (?, ?, ?, ?)",
            arguments: [canary, StoredTime.text(now), weight, clipped.isEmpty ? "-" : clipped])
    }
}
