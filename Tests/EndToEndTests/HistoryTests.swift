import Foundation
import GantryClient
import GantryCore
import Testing

#if canImport(Glibc)
import Glibc
#endif

/// `gantry history` in a real terminal (a tmux pane of 80 × 24) against a real gantryd with
/// two deployed releases: keys go in with send-keys, the screen comes out with capture-pane.
@Suite("history in a terminal", .serialized, .timeLimit(.minutes(5)))
struct HistoryTests {
    /// The pane's command: records `stty -g` before and after `gantry history APP`, says how
    /// it exited, and stays so the pane's state can be read.
    static let script = """
        ulimit -c 0
        stty -g > "$1"
        "$3" history "$4"
        echo "gantry exited $?"
        stty -g > "$2"
        exec sleep 600
        """

    @Test func browsesOpensADetailRollsBackAndRestoresTheTerminal() async throws {
        try await withDaemon { gantry in
            try await deployTwoReleases(gantry, app: "story")

            let piped = try await ChildProcess.run(
                try Templates.cli(), ["history", "story"], environment: environment(gantry), timeout: .seconds(30))
            #expect(piped.succeeded, "\(piped)")
            #expect(piped.stdout.hasPrefix("=== story Releases - Current: v2\nv2  Deploy "), "piped, it prints the table:\n\(piped.stdout)")

            try await withTmux(in: gantry.scratch.path) { tmux in
                let session = try await startHistory(tmux, gantry, app: "story", name: "browse")
                try await tmux.waitFor(session, "> v2  Deploy", "story releases · current v2", "Tests   passed")
                #expect(try await tmux.format(session, "#{alternate_on} #{cursor_flag}") == "1 0")

                try await tmux.send(session, "j")
                var screen = try await tmux.waitFor(session, "> v1  Deploy", "── v1 ")
                #expect(screen.split(separator: "\n").count <= 24 && screen.split(separator: "\n").allSatisfy { $0.count <= 80 })

                try await tmux.send(session, "Enter")
                screen = try await tmux.waitFor(session, "Commit  ", "first version", "Build log")
                #expect(!screen.contains("> v2"), "the detail has the whole screen")
                try await tmux.send(session, "Escape")
                try await tmux.waitFor(session, "> v1  Deploy")

                try await tmux.run(["resize-window", "-t", session, "-x", "130", "-y", "30"])
                try await tmux.waitFor(session, "> v1  Deploy", " │ v1  Deploy", " │ Commit  ")
                try await tmux.run(["resize-window", "-t", session, "-x", "80", "-y", "24"])
                try await tmux.waitFor(session, "── v1 ")

                try await tmux.send(session, "r")
                try await tmux.waitFor(session, "Roll back story to v1? [y/N]")
                try await tmux.send(session, "y")
                screen = try await tmux.waitFor(session, "> v3  Rollback to v1", "Rolled back to v1", timeout: .seconds(60))
                #expect(try await gantry.api.releases(app: "story").first?.description == "Rollback to v1")
                #expect(try await gantry.get("story").text.contains("first version"))

                try await tmux.send(session, "q")
                try await expectRestored(tmux, session, gantry, exitStatus: 0)
            }
        }
    }

    @Test func aSignalOrACrashStillRestoresTheTerminal() async throws {
        try await withDaemon { gantry in
            try await gantry.createApp("jolt")
            let (repo, _) = try await gantry.makeRepo("jolt", template: "static")
            try #require(await repo.push(gantry.remote("jolt"), ["main"]).succeeded)
            try await withTmux(in: gantry.scratch.path) { tmux in
                for (name, signal) in [("term", SIGTERM), ("int", SIGINT), ("segv", SIGSEGV)] {
                    let session = try await startHistory(tmux, gantry, app: "jolt", name: name)
                    try await tmux.waitFor(session, "> v1  Deploy")
                    let shell = try #require(Int32(try await tmux.format(session, "#{pane_pid}")))
                    let cli = try #require(childProcesses(of: shell).first, "gantry runs under the pane's shell")
                    #expect(kill(cli, signal) == 0)
                    try await expectRestored(tmux, session, gantry, exitStatus: 128 + signal)
                }
            }
        }
    }

    // MARK: - Helpers

    /// v1 of the static template, then v2 with another page.
    private func deployTwoReleases(_ gantry: GantryDaemon, app: String) async throws {
        try await gantry.createApp(app)
        let (repo, _) = try await gantry.makeRepo(app, template: "static")
        try await repo.commit("first version", files: ["index.html": "<p>first version</p>\n"])
        try #require(await repo.push(gantry.remote(app), ["main"]).succeeded)
        try await repo.commit("second version", files: ["index.html": "<p>second version</p>\n"])
        try #require(await repo.push(gantry.remote(app), ["main"]).succeeded)
        #expect(try await gantry.get(app).text.contains("second version"))
    }

    private func environment(_ gantry: GantryDaemon) -> [String: String] {
        var environment = gantry.git.environment
        environment["GANTRY_URL"] = gantry.server
        environment["GANTRY_TOKEN"] = gantry.token
        return environment
    }

    /// Starts `gantry history APP` in a new 80 × 24 session `name`; `stty -g` goes to
    /// `name.before` and `name.after` in the scratch directory.
    private func startHistory(_ tmux: Tmux, _ gantry: GantryDaemon, app: String, name: String) async throws -> String {
        let base = gantry.scratch.path + "/" + name
        try await tmux.newSession(
            name,
            // Without Swift's backtracer, a SIGSEGV sent by kill(2) ends the process like a real
            // crash would; the backtracer treats one it did not see fault as handled.
            environment: ["GANTRY_URL": gantry.server, "GANTRY_TOKEN": gantry.token, "LANG": "C.UTF-8", "SWIFT_BACKTRACE": "enable=no"],
            command: ["/bin/sh", "-c", Self.script, "sh", base + ".before", base + ".after", try Templates.cli(), app])
        return name
    }

    /// gantry exited with `exitStatus`; the pane left the alternate screen, shows its cursor,
    /// and its `stty -g` is what it was before.
    private func expectRestored(_ tmux: Tmux, _ session: String, _ gantry: GantryDaemon, exitStatus: Int32) async throws {
        try await tmux.waitFor(session, "gantry exited \(exitStatus)")
        #expect(try await tmux.format(session, "#{alternate_on} #{cursor_flag}") == "0 1")
        let base = gantry.scratch.path + "/" + session
        try await gantry.eventually("stty -g after gantry") { !ChildProcess.read(base + ".after").isEmpty }
        let before = ChildProcess.read(base + ".before"), after = ChildProcess.read(base + ".after")
        #expect(!before.isEmpty && before == after, "stty -g before: \(before) after: \(after)")
    }
}
