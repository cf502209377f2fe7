import Foundation
import GantryBuildpacks
import Testing
@testable import GantryRuntime

@Suite("HealthCheckPolicy")
struct HealthCheckPolicyTests {
    static func policy(web entries: String) throws -> HealthCheckPolicy {
        try HealthCheckPolicy(appJSON: AppJSON(parsing: Data(#"{"healthchecks": {"web": [\#(entries)]}}"#.utf8)))
    }

    @Test func emptyAppJSONGivesGantrysDefault() throws {
        let policy = try HealthCheckPolicy(appJSON: AppJSON(parsing: Data("{}".utf8)))
        #expect(policy == .default)
        #expect(policy.skipped.isEmpty)
        let check = try #require(policy.checks.first)
        #expect(policy.checks.count == 1)
        #expect(check.path == "/")
        #expect(check.limit == .within(.seconds(30)))
        #expect(check.interval == .milliseconds(200))
        #expect(check.attemptTimeout == .seconds(2))
        #expect(check.initialDelay == .zero)
        #expect(check.content == nil)
        #expect(check.acceptedStatuses == 100..<500)
    }

    @Test func missingAppJSONOrEmptyListGivesTheDefault() throws {
        #expect(try HealthCheckPolicy(appJSON: nil) == .default)
        #expect(try Self.policy(web: "") == .default)
    }

    @Test func countedStartupCheckKeepsDokkusMeaning() throws {
        let policy = try Self.policy(web: """
            {"type": "startup", "name": "ready", "path": "/health?full=1", "attempts": 4, "timeout": 3,
             "wait": 1, "initialDelay": 2, "content": "ok", "description": "ignored"}
            """)
        #expect(policy.checks == [HealthCheckPolicy.Check(
            name: "ready", path: "/health?full=1", limit: .attempts(4), attemptTimeout: .seconds(3), interval: .seconds(1),
            initialDelay: .seconds(2), content: "ok", acceptedStatuses: 200..<400)])
    }

    @Test func countedCheckWithoutAWaitIsAsPatientAsDokkuButPolledQuickly() throws {
        // Dokku: 3 tries, 5 s apart, 5 s each = up to 25 s; Gantry polls every 0.2 s within that.
        let check = try #require(try Self.policy(web: #"{"type": "startup", "path": "/", "attempts": 3}"#).checks.first)
        #expect(check.limit == .within(.seconds(25)))
        #expect(check.attemptTimeout == .seconds(2))
        #expect(check.interval == .milliseconds(200))
    }

    @Test func countedCheckWithAWaitKeepsDokkusMeaning() throws {
        let check = try #require(try Self.policy(web: #"{"type": "startup", "path": "/", "attempts": 3, "wait": 1}"#).checks.first)
        #expect(check.limit == .attempts(3))
        #expect(check.attemptTimeout == .seconds(5))
        #expect(check.interval == .seconds(1))
    }

    @Test func uncountedCheckIsPolledTheGantryWay() throws {
        let check = try #require(try Self.policy(web: #"{"type": "startup", "path": "/up", "content": ""}"#).checks.first)
        #expect(check.limit == .within(.seconds(30)))
        #expect(check.attemptTimeout == .seconds(2))
        #expect(check.interval == .milliseconds(200))
        #expect(check.content == nil)
        #expect(check.acceptedStatuses == 200..<400)
    }

    @Test func onlyStartupPathChecksOfWebRun() throws {
        let json = #"""
            {"healthchecks": {
              "web": [
                {"type": "liveness", "path": "/live"},
                {"type": "readiness", "path": "/ready"},
                {"path": "/untyped"},
                {"type": "startup", "name": "uptime", "uptime": 10},
                {"type": "startup", "path": "/health"}
              ],
              "worker": [{"type": "startup", "path": "/worker"}]
            }}
            """#
        let policy = try HealthCheckPolicy(appJSON: AppJSON(parsing: Data(json.utf8)))
        #expect(policy.checks.map(\.path) == ["/health"])
        #expect(policy.skipped.count == 4)
        #expect(policy.skipped[0].hasPrefix(#"healthchecks.web[0]: a "liveness" check"#))
        #expect(policy.skipped[2].hasPrefix(#"healthchecks.web[2]: no "type""#))
        #expect(policy.skipped[3].hasPrefix(#"healthchecks.web[3] (uptime): no "path""#))
    }

    @Test func skippedEntriesLeaveTheDefaultInForce() throws {
        let policy = try Self.policy(web: #"{"type": "liveness", "path": "/live"}"#)
        #expect(policy.checks == [.gantryDefault])
        #expect(policy.skipped.count == 1)
    }

    @Test(arguments: [
        (#"{"type": "startup", "path": "/", "timeout": -1}"#, "healthchecks.web[0].timeout", "-1 is negative; write whole seconds from 1 to 600"),
        (#"{"type": "startup", "path": "/", "timeout": 0}"#, "healthchecks.web[0].timeout", "0 is too short"),
        (#"{"type": "startup", "path": "/", "wait": -5}"#, "healthchecks.web[0].wait", "-5 is negative"),
        (#"{"type": "startup", "path": "/", "initialDelay": 86400}"#, "healthchecks.web[0].initialDelay", "more than 600 seconds"),
        (#"{"type": "startup", "path": "/", "attempts": 0}"#, "healthchecks.web[0].attempts", "0 attempts would never check"),
        (#"{"type": "startup", "path": "/", "attempts": -2}"#, "healthchecks.web[0].attempts", "-2 is negative"),
        (#"{"type": "startup", "path": "/", "attempts": 5000}"#, "healthchecks.web[0].attempts", "more than 1000 attempts"),
        (#"{"type": "startup", "path": "health"}"#, "healthchecks.web[0].path", #"must start with / (write "/health")"#),
        (#"{"type": "startup", "path": "/a b"}"#, "healthchecks.web[0].path", "percent-encode"),
        (#"{"type": "startup", "path": "/#top"}"#, "healthchecks.web[0].path", "#fragment"),
        (#"{"type": "boot", "path": "/"}"#, "healthchecks.web[0].type", #""boot" is not a check type"#),
        (#"{"type": "startup", "path": "/"}, {"type": "liveness", "wait": -1}"#, "healthchecks.web[1].wait", "negative"),
        (#"{"type": "startup", "path": "/", "attempts": 1000, "timeout": 60}"#, "healthchecks.web[0]", "Gantry waits at most 15 min"),
    ])
    func invalidValuesNameTheField(entries: String, field: String, reason: String) {
        #expect {
            _ = try Self.policy(web: entries)
        } throws: { error in
            guard let error = error as? InvalidHealthCheck else { return false }
            return error.field == field && error.reason.contains(reason)
                && error.description == "app.json \(field): \(error.reason)"
        }
    }

    @Test func durationsAreSpokenPlainly() {
        #expect(Duration.milliseconds(50).spoken == "50 ms")
        #expect(Duration.milliseconds(150).spoken == "150 ms")
        #expect(Duration.milliseconds(200).spoken == "0.2 s")
        #expect(Duration.milliseconds(2500).spoken == "2.5 s")
        #expect(Duration.seconds(2).spoken == "2 s")
        #expect(Duration.seconds(90).spoken == "1 min 30 s")
        #expect(Duration.seconds(3 * 3600 + 5 * 60).spoken == "3 h 5 min")
    }
}
