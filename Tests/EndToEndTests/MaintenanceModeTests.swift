import Foundation
import GantryClient
import Synchronization
import Testing

/// `gantry maintenance:on/off` on a real gantryd: the router answers 503 with the page at once,
/// the app's processes keep running, deploys still work, and it outlives a restart.
@Suite("maintenance mode", .serialized, .timeLimit(.minutes(5)))
struct MaintenanceModeTests {
    @Test func maintenanceAnswers503WhileTheProcessesKeepRunningAndEndsAtOnce() async throws {
        try await withDaemon { gantry in
            try await gantry.createApp("calm")
            let (repo, _) = try await gantry.makeRepo("calm", template: "static")
            try await repo.commit("one", files: ["Procfile": ReleasePhaseTests.procfile(serving: "one")])
            try #require(await repo.push(gantry.remote("calm"), ["main"]).succeeded)

            // A bounded request loop (~50 requests/s) for the whole test: every answer is 200 or
            // the maintenance page, never a connection error.
            let running = Mutex(true)
            let load = Task { () -> (statuses: Set<Int>, failures: [String]) in
                var statuses = Set<Int>()
                var failures: [String] = []
                while running.withLock({ $0 }) {
                    do {
                        let response = try await gantry.get("calm")
                        statuses.insert(response.status)
                        if response.status == 503, !response.text.contains("Back after the migration") {
                            failures.append("503 without the page: \(response.text)")
                        }
                    } catch {
                        failures.append("\(error)")
                    }
                    try? await Task.sleep(for: .milliseconds(20))
                }
                return (statuses, failures)
            }

            let on = try await gantry.cli(["maintenance:on", "calm", "--message", "Back after the migration"])
            #expect(on.status == 0, "\(on)")
            let down = try await gantry.get("calm")
            #expect(down.status == 503 && down.headers["retry-after"] == "60" && down.text.contains("Back after the migration"))
            #expect(gantry.containers() == ["calm.v1.web.1"], "its process keeps running")
            #expect(try await gantry.cli(["maintenance", "calm"]).stdout.contains("calm is in maintenance since"))

            // A deploy in maintenance runs its release command and stays in maintenance.
            try await repo.commit("two", files: ["Procfile": ReleasePhaseTests.procfile(serving: "two")])
            let push = try await repo.push(gantry.remote("calm"), ["main"])
            #expect(push.succeeded && push.stderr.contains("migrating release.1"), "\(push)")
            #expect(try await gantry.get("calm").status == 503)

            let off = try await gantry.cli(["maintenance:off", "calm"])
            #expect(off.status == 0, "\(off)")
            #expect(try await gantry.get("calm").text == "two\n")
            running.withLock { $0 = false }
            let (statuses, failures) = await load.value
            #expect(statuses == [200, 503])
            #expect(failures.isEmpty, "\(failures.count) bad answers, e.g. \(failures.prefix(3))")

            // The router is part of gantryd: across its restart the app is in maintenance again.
            _ = try await gantry.cli(["maintenance:on", "calm", "--message", "Back after the migration"])
            try await gantry.restart()
            #expect(try await gantry.get("calm").status == 503, "maintenance outlives a restart")
            _ = try await gantry.cli(["maintenance:off", "calm"])
            #expect(try await gantry.cli(["maintenance", "calm"]).stdout.contains("calm is not in maintenance"))
            let again = try await gantry.cli(["maintenance:off", "calm"])
            #expect(again.status != 0 && again.stderr.contains("calm is not in maintenance"), "\(again)")

        }
    }
}
