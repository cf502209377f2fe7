import Foundation
import GantryCore
import Testing

/// The README's quick start, as a user types it: `gantry login`, `gantry apps:create`, a plain
/// `git remote add` and `git push` (no token in the URL), `gantry builds`.
@Suite("the quick start", .serialized, .timeLimit(.minutes(3)))
struct QuickStartTests {
    @Test func loginLetsAPlainGitPushAuthenticateThroughTheCredentialHelper() async throws {
        try await withDaemon { gantry in
            let cli = try Templates.cli()
            var environment = gantry.git.environment
            environment["GANTRY_DATA_DIR"] = gantry.data.root
            environment["GANTRY_URL"] = gantry.server
            environment.removeValue(forKey: "GANTRY_TOKEN")
            func gantryCLI(_ arguments: [String]) async throws -> ProcessOutput {
                try await ChildProcess.run(cli, arguments, environment: environment, directory: gantry.scratch.path, timeout: .seconds(60))
            }

            let login = try await gantryCLI(["login"])
            #expect(login.succeeded, "\(login)")
            #expect(try await gantryCLI(["apps:create", "hello"]).succeeded)

            let (repo, commit) = try await gantry.makeRepo("hello", template: "static")
            try await repo.checked(["remote", "add", "gantry", "\(gantry.server)/hello.git"])
            // Plain git, with the global config `gantry login` wrote: no `-c credential.helper=`.
            let push = try await ChildProcess.run(
                gantry.git.executable, ["push", "gantry", "main"], environment: gantry.git.environment, directory: repo.path, timeout: .seconds(120))
            #expect(push.succeeded, "\(push)")
            #expect(try await gantry.serverRefs("hello") == ["refs/heads/main": commit])

            let builds = try await gantryCLI(["builds", "hello"])
            #expect(builds.succeeded)
            #expect(builds.stdout.contains("built") && builds.stdout.contains(String(commit.prefix(7))), "\(builds.stdout)")
            let json = try await gantryCLI(["builds", "hello", "--json"])
            let decoded = try API.decoder().decode([Build].self, from: json.output)
            #expect(decoded.first?.newCommit.hex == commit)
        }
    }

    @Test func theCLIExitsWith2WhenTheServerIsUnreachableAnd1ForUserErrors() async throws {
        try await withDaemon { gantry in
            let cli = try Templates.cli()
            var environment = gantry.git.environment
            environment["GANTRY_TOKEN"] = gantry.token
            let unreachable = try await ChildProcess.run(cli, ["apps", "--server", "http://127.0.0.1:1"], environment: environment, timeout: .seconds(30))
            #expect(unreachable.status == 2)
            #expect(unreachable.stderr.hasPrefix("gantry: cannot reach gantryd"), "\(unreachable.stderr)")
            let invalid = try await ChildProcess.run(cli, ["apps:create", "Bad_Name", "--server", gantry.server], environment: environment, timeout: .seconds(30))
            #expect(invalid.status == 1)
            #expect(invalid.stderr.contains("invalid app name"), "\(invalid.stderr)")
            let unknown = try await ChildProcess.run(cli, ["builds", "ghost", "--server", gantry.server], environment: environment, timeout: .seconds(30))
            #expect(unknown.status == 1)
        }
    }
}
