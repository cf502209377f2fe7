import Foundation
import GantryClient
import GantryCore
import GRDB
import Testing

/// Issue 12: a `kill -9` at each step of the end of a push (gantryd started with
/// `GANTRY_CRASH_AT=STEP` sends itself SIGKILL there). After a restart: exactly one live
/// release, served by the router, its commit in the repository and the ref on it; nothing left
/// in flight; the database intact. The README's table "killed during X → after restart Y".
@Suite("a kill at any step of a push loses nothing", .serialized, .timeLimit(.minutes(5)))
struct CrashRecoveryTests {
    @Test(arguments: ["compiled", "objects-stored", "release-recorded", "deployed", "release-live", "ref-moved"])
    func aKillAtThisStepLeavesOneLiveReleaseItsRefAndNothingInFlight(_ step: String) async throws {
        try await withDaemon { gantry in
            try await gantry.createApp("crash")
            let (repo, first) = try await gantry.makeRepo("crash", template: "static")
            try #require(await repo.push(gantry.remote("crash"), ["main"]).succeeded)
            let page = try await gantry.get("crash").text

            try await gantry.restart(environment: ["GANTRY_CRASH_AT": step])
            let second = try await repo.commit("v2", files: ["index.html": "<p>second</p>\n"])
            let push = try await repo.push(gantry.remote("crash"), ["main"])
            #expect(!push.succeeded, "gantryd was to die at \(step): \(push.stderr)")
            await gantry.process.current.waitForExit()
            try await gantry.restart()

            // Past "live", v2 is the app; before it, v1 still is.
            let wentLive = ["release-live", "ref-moved"].contains(step)
            let releases = try await gantry.api.releases(app: "crash")
            let live = releases.filter { $0.status == .live }
            #expect(live.count == 1, "\(releases)")
            #expect(live.first?.version == (wentLive ? 2 : 1), "\(releases)")
            #expect(try await gantry.serverRefs("crash") == ["refs/heads/main": wentLive ? second : first])
            #expect(try await gantry.get("crash").text == (wentLive ? "<p>second</p>\n" : page))
            if step == "release-live" {
                #expect(gantry.logTail(lines: 200).contains("restore: moved refs/heads/main of crash to \(second.prefix(7))"), "\(gantry.logTail())")
            }
            // Nothing in flight; what was cut short says so.
            let database = try DatabaseQueue(path: gantry.data.database, configuration: { var c = Configuration(); c.readonly = true; return c }())
            let (integrity, inFlight, pending, build) = try await database.read { db in
                (try String.fetchAll(db, sql: "PRAGMA integrity_check"),
                 try Int.fetchOne(db, sql: "SELECT count(*) FROM builds WHERE status IN ('received', 'building', 'testing')") ?? -1,
                 try Int.fetchOne(db, sql: "SELECT count(*) FROM releases WHERE status = 'pending'") ?? -1,
                 try Row.fetchOne(db, sql: "SELECT status, failure_reason FROM builds ORDER BY id DESC LIMIT 1"))
            }
            try database.close()
            #expect(integrity == ["ok"] && inFlight == 0 && pending == 0)
            let interrupted = ["compiled", "objects-stored"].contains(step)
            #expect((build?["status"] as String?) == (interrupted ? "interrupted" : "built"), "\(String(describing: build))")
            if ["release-recorded", "deployed"].contains(step) {
                #expect(releases.first { $0.version == 2 }?.status == .failed, "\(releases)")
            }
        }
    }
}
