import Foundation
import GantryClient
import GantryCore
import Testing

#if canImport(Glibc)
import Glibc
#endif

/// `gantry run`: one-off processes of a live release through the real CLI, gantryd and runc.
@Suite("one-off processes", .serialized, .timeLimit(.minutes(5)))
struct OneOffTests {
    /// Creates `app` and deploys the static template to it.
    func deploy(_ gantry: GantryDaemon, _ app: String) async throws {
        try await gantry.createApp(app)
        let (repo, _) = try await gantry.makeRepo(app, template: "static")
        let push = try await repo.push(gantry.remote(app), ["main"])
        try #require(push.succeeded, "\(push)")
    }

    /// The CLI as the admin, with `input` on its standard input.
    func cli(_ gantry: GantryDaemon, _ arguments: [String], input: String? = nil, token: String? = nil) async throws -> ProcessOutput {
        var environment = gantry.git.environment
        environment["GANTRY_URL"] = gantry.server
        environment["GANTRY_TOKEN"] = token ?? gantry.token
        return try await ChildProcess.run(try Templates.cli(), arguments, environment: environment, input: input.map { Data($0.utf8) }, timeout: .seconds(60))
    }

    /// The one-off containers of `app` gantryd's runtime holds.
    func runContainers(_ gantry: GantryDaemon, _ app: String) -> [String] {
        gantry.containers().filter { $0.hasPrefix(app + ".") && $0.contains(".run.") }
    }

    @Test func pipedInputReachesTheCommandAndItsStatusAndEnvironmentComeBack() async throws {
        try await withDaemon { gantry in
            try await deploy(gantry, "tool")
            _ = try await gantry.api.changeConfig(app: "tool", set: ["GREETING": "hello there"])

            let count = try await cli(gantry, ["run", "tool", "--", "wc", "-c"], input: "data\n")
            #expect(count.status == 0 && count.stdout == "5\n", "\(count)")
            let three = try await cli(gantry, ["run", "tool", "--", "sh", "-c", "exit 3"])
            #expect(three.status == 3, "\(three)")
            let missing = try await cli(gantry, ["run", "tool", "--", "no-such-command", "--flag"])
            #expect(missing.status == 127 && missing.stderr.contains("no-such-command: command not found"), "\(missing)")
            let environment = try await cli(gantry, ["run", "tool", "--", "sh", "-c", "echo \"$GREETING|$DYNO\"; echo to-stderr >&2"])
            #expect(environment.status == 0 && environment.stdout == "hello there|run.1\n" && environment.stderr.contains("to-stderr"), "\(environment)")
            #expect(runContainers(gantry, "tool").isEmpty, "each container is removed when its command ends")

            let audit = try await gantry.api.audit(app: "tool")
            #expect(audit.contains { $0.action == "run" && $0.detail == "wc" && $0.outcome == "ok" }, "\(audit)")
            #expect(!audit.contains { ($0.detail ?? "").contains("--flag") }, "arguments are never audited")
        }
    }

    @Test func refusesAnAppWithoutALiveReleaseAnEmptyCommandAndTheReadRole() async throws {
        try await withDaemon { gantry in
            try await gantry.createApp("empty")
            let none = try await cli(gantry, ["run", "empty", "--", "ls"])
            #expect(none.status == 1 && none.stderr.contains("empty has no live release"), "\(none)")
            let nothing = try await cli(gantry, ["run", "empty", "--"])
            #expect(nothing.status != 0 && nothing.stderr.contains("name a command to run"), "\(nothing)")
            do {
                _ = try await gantry.api.run(app: "empty", RunRequest(command: []))
                Issue.record("an empty command was accepted")
            } catch let ClientError.rejected(status, message) {
                #expect(status == 400 && message.contains("name a command to run"), "\(message)")
            }

            try await deploy(gantry, "guarded")
            let added = try await cli(gantry, ["users:add", "reader", "--json"])
            try #require(added.succeeded, "\(added)")
            let reader = try API.decoder().decode(CreatedUser.self, from: added.output)
            #expect(try await cli(gantry, ["access:add", "guarded", "reader", "--role", "read"]).succeeded)
            #expect(try await cli(gantry, ["ps", "guarded"], token: reader.token).succeeded, "read may look")
            let refused = try await cli(gantry, ["run", "guarded", "--", "id"], token: reader.token)
            #expect(refused.status == 1 && refused.stderr.contains("this needs deploy"), "\(refused)")
            #expect(runContainers(gantry, "guarded").isEmpty)
        }
    }

    @Test func anInteractiveBashHasATerminalThatFollowsResizesAndCtrlC() async throws {
        try await withDaemon { gantry in
            try await deploy(gantry, "shell")
            try await withTmux(in: gantry.scratch.path) { tmux in
                try await tmux.newSession(
                    "bash", columns: 80, rows: 24,
                    environment: ["GANTRY_URL": gantry.server, "GANTRY_TOKEN": gantry.token, "LANG": "C.UTF-8"],
                    command: ["/bin/sh", "-c", #""$0" run shell bash; echo "gantry exited $?"; sleep 60"#, try Templates.cli()])
                // The pane's size, as `stty size` prints it (rows, then columns; tmux's status line takes a row).
                func paneSize() async throws -> String { try await tmux.format("bash", "#{pane_height} #{pane_width}") }
                try await tmux.send("bash", "stty size", "Enter")
                try await tmux.waitFor("bash", try await paneSize())
                try await tmux.run(["resize-window", "-t", "bash", "-x", "100", "-y", "30"])
                let resized = try await paneSize()
                #expect(resized.hasSuffix(" 100"))
                try await Task.sleep(for: .milliseconds(500))
                try await tmux.send("bash", "clear; stty size", "Enter")
                try await tmux.waitFor("bash", resized)
                try await tmux.send("bash", "sleep 100", "Enter")
                try await Task.sleep(for: .seconds(1))
                try await tmux.send("bash", "C-c")
                try await tmux.send("bash", "echo after-$?", "Enter")
                try await tmux.waitFor("bash", "after-130", timeout: .seconds(10))
                try await tmux.send("bash", "exit 7", "Enter")
                try await tmux.waitFor("bash", "gantry exited 7")
            }
            try await gantry.eventually("the container is gone") { runContainers(gantry, "shell").isEmpty }
        }
    }

    /// `gantry run APP -- sleep 100` in the background, once its container runs.
    func startSleeping(_ gantry: GantryDaemon, _ app: String) async throws -> Process {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: try Templates.cli())
        process.arguments = ["run", app, "--", "sleep", "100"]
        var environment = gantry.git.environment
        environment["GANTRY_URL"] = gantry.server
        environment["GANTRY_TOKEN"] = gantry.token
        process.environment = environment
        process.standardInput = FileHandle.nullDevice
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        try process.run()
        try await gantry.eventually("the one-off container runs") { runContainers(gantry, app) == [app + ".v1.run.1"] }
        return process
    }

    @Test func aTimeoutEndsTheCommandWithStatus124() async throws {
        try await withDaemon { gantry in
            try await deploy(gantry, "slow")
            let slow = try await cli(gantry, ["run", "--timeout", "2s", "slow", "--", "sleep", "100"])
            #expect(slow.status == 124 && slow.stderr.contains("timed out after 2 s"), "\(slow)")
            #expect(runContainers(gantry, "slow").isEmpty)
        }
    }

    @Test func aGantrydStoppingEndsAnAttachedRunAndItsClient() async throws {
        try await withDaemon { gantry in
            try await deploy(gantry, "halt")
            let client = try await startSleeping(gantry, "halt")
            try await gantry.restart()  // SIGTERM: an issue if gantryd waits for the run
            try await gantry.eventually("the client exits") { !client.isRunning }
            #expect(client.terminationStatus != 0)
            try await gantry.eventually("the container is removed") { runContainers(gantry, "halt").isEmpty }
        }
    }

    @Test func aClientKilledMidCommandLeavesNoContainerWithinSeconds() async throws {
        try await withDaemon { gantry in
            try await deploy(gantry, "gone")
            let process = try await startSleeping(gantry, "gone")
            kill(process.processIdentifier, SIGKILL)
            process.waitUntilExit()
            try await gantry.eventually("the container is removed", within: .seconds(10)) { runContainers(gantry, "gone").isEmpty }
            #expect(try await gantry.api.processes(app: "gone").map(\.name) == ["web.1"])
        }
    }

    @Test func aDetachedRunShowsInPsAndLogsUntilItEnds() async throws {
        try await withDaemon { gantry in
            try await deploy(gantry, "batch")
            let started = try await cli(gantry, ["run", "--detach", "batch", "--", "sh", "-c", "echo hello from $DYNO; sleep 4"])
            #expect(started.status == 0 && started.stdout.contains("run.1"), "\(started)")
            let ps = try await cli(gantry, ["ps", "batch"])
            #expect(ps.stdout.contains("run.1") && ps.stdout.contains("web.1"), "\(ps)")
            try await gantry.eventually("its output is in the app's log") {
                ((try? await cli(gantry, ["logs", "batch", "--ps", "run.1"]))?.stdout ?? "").contains("hello from run.1")
            }
            try await gantry.eventually("it leaves gantry ps when it ends") {
                ((try? await gantry.api.processes(app: "batch")) ?? []).map(\.name) == ["web.1"]
            }
            try await gantry.eventually("its container is removed") { runContainers(gantry, "batch").isEmpty }
        }
    }
}
