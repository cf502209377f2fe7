import Foundation
import GantryClient
import GantryCore
import Testing

/// The README's "Team" section as an operator and a developer type it, against a real gantryd:
/// a user, their SSH key and access in three admin commands, `gantry login` with their token,
/// then their push deploys and is theirs, and what they may not do is refused.
@Suite("a team on one server", .serialized, .timeLimit(.minutes(4)))
struct TeamTests {
    @Test func theReadmesFourCommandsOnboardADeveloperWhosePushDeploysAsThem() async throws {
        try await withDaemon { gantry in
            let cli = try Templates.cli()
            func gantryCLI(_ arguments: [String], token: String, home: String) async throws -> ProcessOutput {
                var environment = gantry.git.environment
                environment["GANTRY_URL"] = gantry.server
                environment["GANTRY_TOKEN"] = token
                environment["HOME"] = home
                environment["XDG_CONFIG_HOME"] = home + "/.config"
                return try await ChildProcess.run(cli, arguments, environment: environment, directory: gantry.scratch.path, timeout: .seconds(60))
            }
            let adminHome = try gantry.scratch.directory("admin-home")
            func admin(_ arguments: [String]) async throws -> ProcessOutput { try await gantryCLI(arguments, token: gantry.token, home: adminHome) }
            try await gantry.createApp("blog")
            let bobKey = try await SSHClient.make("bob", for: gantry)

            // The operator: a user (their token, shown once), their key, their access.
            let added = try await admin(["users:add", "bob", "--json"])
            try #require(added.succeeded, "\(added)")
            let bob = try API.decoder().decode(CreatedUser.self, from: added.output)
            #expect(bob.name.rawValue == "bob" && bob.role == .member)
            #expect(try await admin(["keys:add", "bob-laptop", bobKey.publicKeyPath, "--user", "bob"]).succeeded)
            let access = try await admin(["access:add", "blog", "bob", "--role", "deploy"])
            #expect(access.succeeded, "\(access)")

            // The developer: log in with the token, push over SSH with the key.
            let bobHome = try gantry.scratch.directory("bob-home")
            var login = try await gantryCLI(["login", "--token", bob.token], token: "", home: bobHome)
            #expect(login.succeeded && login.stdout.contains("as bob (member)"), "\(login)")
            let (repo, commit) = try await gantry.makeRepo("blog", template: "static")
            let push = try await bobKey.git.run(["push", bobKey.remote("blog"), "main"], in: repo.path)
            #expect(push.succeeded, "\(push)\n\(gantry.logTail())")
            #expect(try await gantry.serverRefs("blog") == ["refs/heads/main": commit])
            let releases = try await gantry.api.releases(app: "blog")
            #expect(releases.first?.createdBy == "bob", "\(releases)")

            // What deploy does not allow, and what bob's own token may not become.
            login = try await gantryCLI(["apps:destroy", "blog", "--confirm", "blog"], token: bob.token, home: bobHome)
            #expect(login.status == 1 && login.stderr.contains("has deploy access to 'blog'; this needs owner"), "\(login)")
            let users = try await gantryCLI(["users"], token: bob.token, home: bobHome)
            #expect(users.status == 1 && users.stderr.contains("only an admin"), "\(users)")

            // The audit log says who pushed, from where.
            let audit = try await admin(["audit", "--app", "blog", "--json"])
            let events = try API.decoder().decode([AuditEvent].self, from: audit.output)
            #expect(events.contains { $0.action == "push" && $0.user == "bob" && $0.outcome == "ok" && $0.credential?.contains("bob-laptop") == true }, "\(events)")
            #expect(events.contains { $0.action == "apps:destroy" && $0.user == "bob" && $0.outcome.hasPrefix("denied") }, "\(events)")
        }
    }

    @Test func aTokenRevokedWhileItFollowsLogsEndsTheStream() async throws {
        try await withDaemon { gantry in
            try await gantry.createApp("blog")
            let (repo, _) = try await gantry.makeRepo("blog", template: "static")
            let push = try await gantry.git.run(["push", gantry.remote("blog"), "main"], in: repo.path)
            try #require(push.succeeded, "\(push)")
            let created = try await gantry.api.createToken(CreateToken(name: "watcher"))
            var environment = gantry.git.environment
            environment["GANTRY_URL"] = gantry.server
            environment["GANTRY_TOKEN"] = created.token
            let cli = try Templates.cli()
            async let follow = ChildProcess.run(cli, ["logs", "blog", "--tail"], environment: environment, timeout: .seconds(60))
            try await Task.sleep(for: .seconds(2))
            let started = ContinuousClock.now
            _ = try await gantry.api.revokeToken(id: created.info.id)
            let ended = try await follow
            #expect(ContinuousClock.now - started < .seconds(20), "the stream outlived the token: \(ended)")
        }
    }
}
