import Foundation
import GantryCore
import GRDB

/// What `reconcileInFlight` found and did, one line per row it settled.
public struct Reconciliation: Hashable, Sendable {
    public var lines: [String] = []
    /// The builds whose release went live before gantryd stopped, with the ref their push
    /// moves: the caller moves it (see `Pipeline.restoreLiveReleases`).
    public var liveBuilds: [LiveBuild] = []

    public struct LiveBuild: Hashable, Sendable {
        public var app: AppName
        public var release: Int
        public var ref: RefName
        public var oldCommit: ObjectID
        public var newCommit: ObjectID
    }
}

extension Store {
    /// At gantryd's start, before anything runs: every row a stopped gantryd left in flight
    /// gets a final, truthful state, in one transaction.
    /// - builds `received`/`building`/`testing` → `interrupted`, their log so far kept and a
    ///   last line saying so;
    /// - canaries `running` → `aborted`, their releases `failed` (the start removes their
    ///   processes: the live release serves everything);
    /// - releases `pending` → `failed` ("interrupted …"): the release before them kept serving;
    ///   a release command that was running → `interrupted`;
    /// - webhook deliveries `pending` → `deployed` when their commit's release went live (the
    ///   deploy finished, only its bookkeeping did not), else `failed` ("interrupted …").
    /// It also lists the live releases of pushes and webhooks with their build's ref, for the
    /// caller to check that the ref moved (a kill between "live" and the ref update).
    /// - Throws: `StoreError.database` (nothing changed then).
    public func reconcileInFlight(at now: Date = Date()) async throws(StoreError) -> Reconciliation {
        try await write("reconcile what a stopped gantryd left in flight") { db in
            var result = Reconciliation()
            let time = StoredTime.text(now)
            let inFlight = try Row.fetchAll(
                db,
                sql: """
                    SELECT builds.id, builds.status, apps.name FROM builds JOIN apps ON apps.id = builds.app_id
                    WHERE builds.status IN ('received', 'building', 'testing') ORDER BY builds.id
                    """)
            for row in inFlight {
                let id: Int64 = row[0], status: String = row[1], app: String = row[2]
                let stage = status == "testing" ? "its tests" : "its build"
                let reason = "interrupted: gantryd stopped during \(stage); the log so far is kept"
                try db.execute(
                    sql: "UPDATE builds SET status = 'interrupted', finished_at = ?, failure_reason = ? WHERE id = ?", arguments: [time, reason, id])
                try db.execute(sql: "INSERT INTO build_log_chunks (build_id, text) VALUES (?, ?)", arguments: [id, "-----> Interrupted: gantryd stopped during \(stage)\n"])
                result.lines.append("build \(id) of \(app): \(status) → interrupted")
            }
            let canaries = try Row.fetchAll(
                db, sql: "SELECT canaries.id, canaries.weight, apps.name, canaries.release_id FROM canaries JOIN apps ON apps.id = canaries.app_id WHERE canaries.state = 'running'")
            for row in canaries {
                let id: Int64 = row[0], weight: Int = row[1], app: String = row[2], releaseID: Int64 = row[3]
                let reason = "interrupted: gantryd stopped; its processes are removed at the start, the live release serves everything"
                try db.execute(sql: "UPDATE canaries SET state = 'aborted', reason = ?, finished_at = ? WHERE id = ?", arguments: [reason, time, id])
                try db.execute(
                    sql: "INSERT INTO canary_events (canary_id, at, weight, text) VALUES (?, ?, ?, ?)", arguments: [id, time, weight, "aborted: \(reason)"])
                try db.execute(
                    sql: "UPDATE releases SET status = 'failed', failure_reason = ? WHERE id = ? AND status = 'pending'", arguments: ["canary aborted: \(reason)", releaseID])
                result.lines.append("canary \(id) of \(app): running → aborted (interrupted)")
            }
            let pending = try Row.fetchAll(
                db, sql: "SELECT releases.id, releases.version, apps.name FROM releases JOIN apps ON apps.id = releases.app_id WHERE releases.status = 'pending'")
            for row in pending {
                let id: Int64 = row[0], version: Int = row[1], app: String = row[2]
                try db.execute(
                    sql: "UPDATE releases SET status = 'failed', failure_reason = ? WHERE id = ?",
                    arguments: ["interrupted: gantryd stopped during its deploy; the release before it kept serving", id])
                result.lines.append("release v\(version) of \(app): pending → failed (interrupted)")
            }
            try db.execute(
                sql: "UPDATE release_phases SET status = 'interrupted', outcome = 'gantryd stopped while it ran' WHERE status = 'running'")
            let deliveries = try Row.fetchAll(
                db,
                sql: """
                    SELECT d.id, d.delivery_id, apps.name,
                      (SELECT r.build_id FROM releases r WHERE r.app_id = w.app_id AND r.origin = 'webhook' AND r.commit_id = d."after"
                         AND r.status IN ('live', 'superseded') ORDER BY r.version DESC LIMIT 1)
                    FROM webhook_deliveries d JOIN webhooks w ON w.id = d.webhook_id JOIN apps ON apps.id = w.app_id
                    WHERE d.status = 'pending'
                    """)
            for row in deliveries {
                let id: Int64 = row[0], delivery: String = row[1], app: String = row[2], build: Int64? = row[3]
                if let build {
                    try db.execute(
                        sql: "UPDATE webhook_deliveries SET status = 'deployed', detail = ?, build_id = ?, finished_at = ? WHERE id = ?",
                        arguments: ["deployed (build \(build)); gantryd stopped before recording it", build, time, id])
                    result.lines.append("delivery \(delivery) to \(app): pending → deployed (its release went live)")
                } else {
                    try db.execute(
                        sql: "UPDATE webhook_deliveries SET status = 'failed', detail = ?, finished_at = ? WHERE id = ?",
                        arguments: ["interrupted: gantryd stopped before this delivery was deployed; push again or redeliver it", time, id])
                    result.lines.append("delivery \(delivery) to \(app): pending → failed (interrupted)")
                }
            }
            let live = try Row.fetchAll(
                db,
                sql: """
                    SELECT apps.name, r.version, b.ref, b.old_commit, b.new_commit
                    FROM releases r JOIN apps ON apps.id = r.app_id JOIN builds b ON b.id = r.build_id
                    WHERE r.status = 'live' AND r.origin IN ('push', 'webhook') AND r.commit_id = b.new_commit
                    """)
            for row in live {
                guard let app = try? AppName(row[0] as String), let ref = try? RefName(row[2] as String),
                    let old = try? ObjectID(row[3] as String), let new = try? ObjectID(row[4] as String)
                else { continue }
                result.liveBuilds.append(.init(app: app, release: row[1], ref: ref, oldCommit: old, newCommit: new))
            }
            return result
        }
    }
}
