import Foundation
import GantryCore
import Testing

/// `git push` and `git clone` over gantryd's own SSH server, with the real OpenSSH client.
@Suite("git over SSH", .serialized, .timeLimit(.minutes(5)))
struct SSHPushTests {
    @Test func pushOfTheFlaskTemplateDeploysAndTheAppClonesBack() async throws {
        try await withDaemon { gantry in
            try await gantry.createApp("flask")
            let alice = try await SSHClient.make("alice", for: gantry)
            _ = try await gantry.api.createUser(name: "alice", role: "member")
            _ = try await gantry.api.grantAccess(app: "flask", user: "alice", role: "deploy")
            _ = try await gantry.api.addSSHKey(name: "alice-laptop", publicKey: alice.publicKey, user: "alice")
            let (local, commit) = try await gantry.makeRepo("flask", template: "python-flask")
            let repo = GitRepo(path: local.path, git: alice.git)

            let push = try await repo.push(alice.remote("flask"), ["main"])

            #expect(push.succeeded, "\(push)")
            #expect(push.stderr.contains("remote: -----> "), "the pipeline's steps reach the pusher:\n\(push.stderr)")
            #expect(push.stderr.contains("http://flask.localhost:\(gantry.routerPort) deployed"), "\(push.stderr)")
            #expect(try await gantry.serverRefs("flask") == ["refs/heads/main": commit])
            let release = try #require(try await gantry.api.releases(app: "flask").first)
            #expect(release.createdBy == "alice", "the key's user is who pushed")
            #expect(release.origin == .push)
            #expect(try await gantry.get("flask").status == 200)

            let clone = try await alice.git.run(["clone", "-q", alice.remote("flask"), gantry.scratch.path + "/flask-clone"])
            #expect(clone.succeeded, "\(clone)")
            #expect(try await GitRepo(path: gantry.scratch.path + "/flask-clone", git: gantry.git).revParse("HEAD") == commit)
        }
    }

    @Test func onlyRegisteredKeysAndGitCommandsOnAppsAreServed() async throws {
        try await withDaemon { gantry in
            try await gantry.createApp("hello")
            let alice = try await SSHClient.make("alice", for: gantry)
            let mallory = try await SSHClient.make("mallory", for: gantry)
            _ = try await gantry.api.addSSHKey(name: "alice", publicKey: alice.publicKey)
            let repo = GitRepo(path: try await gantry.makeRepo("hello").path, git: alice.git)
            try await repo.commit("first", files: ["README.md": "hi\n"])

            let unknownKey = try await GitRepo(path: repo.path, git: mallory.git).push(mallory.remote("hello"), ["main:refs/heads/work"])
            #expect(!unknownKey.succeeded)
            #expect(unknownKey.stderr.contains("Permission denied (publickey)"), "\(unknownKey)")

            let unknownApp = try await repo.push(alice.remote("nope"), ["main:refs/heads/work"])
            #expect(!unknownApp.succeeded)
            #expect(unknownApp.stderr.contains("no app named 'nope'; create it with `gantry apps:create nope`"), "\(unknownApp)")

            let shell = try await alice.ssh()
            #expect(shell.status == 1, "\(shell)")
            #expect(shell.stderr.contains("gantry offers no shell over SSH"), "\(shell)")

            let command = try await alice.ssh(["cat", "/etc/passwd"])
            #expect(command.status == 1, "\(command)")
            #expect(command.stderr.contains("gantry runs no commands over SSH"), "\(command)")
            #expect(!command.stdout.contains("root:"))

            let forward = try await alice.ssh(extra: ["-W", "127.0.0.1:\(gantry.port)"])
            #expect(forward.status != 0 && forward.stderr.contains("open failed"), "port forwarding is refused: \(forward)")
            let remoteForward = try await alice.ssh(["git-upload-pack", "'hello.git'"], extra: ["-o", "ExitOnForwardFailure=yes", "-R", "0:127.0.0.1:\(gantry.port)"])
            #expect(remoteForward.status != 0 && remoteForward.stderr.contains("forwarding failed"), "remote forwarding is refused: \(remoteForward)")

            let push = try await repo.push(alice.remote("hello"), ["main:refs/heads/work"])
            #expect(push.succeeded, "\(push)")
            #expect(try await gantry.serverRefs("hello").keys.sorted() == ["refs/heads/work"])
        }
    }

    @Test func aKeyRemovedWhileConnectedIsRefusedAtItsNextCommand() async throws {
        try await withDaemon { gantry in
            try await gantry.createApp("hello")
            let alice = try await SSHClient.make("alice", for: gantry)
            _ = try await gantry.api.addSSHKey(name: "alice", publicKey: alice.publicKey)
            // One authenticated connection, kept open by an OpenSSH control master.
            let control = ["-o", "ControlPath=\(gantry.scratch.path)/ssh-control"]
            let master = try await alice.ssh(extra: control + ["-o", "ControlMaster=yes", "-o", "ControlPersist=yes", "-f", "-N"])
            try #require(master.succeeded, "\(master)")
            defer { Task { _ = try? await alice.ssh(extra: control + ["-O", "exit"]) } }
            let before = try await alice.ssh(["git-upload-pack", "'hello.git'"], extra: control)
            #expect(before.stdout.contains("0000"), "the key works before: \(before)")

            try await gantry.api.removeSSHKey("alice")

            let after = try await alice.ssh(["git-receive-pack", "'hello.git'"], extra: control)
            #expect(after.status == 1, "\(after)")
            #expect(after.stderr.contains("the SSH key 'alice' is no longer registered"), "\(after)")
            #expect(!after.stdout.contains("report-status"), "no advertisement for a removed key")
            _ = try await alice.ssh(extra: control + ["-O", "exit"])
        }
    }

    @Test func theHostKeyStaysTheSameAcrossARestart() async throws {
        try await withDaemon { gantry in
            try await gantry.createApp("hello")
            let alice = try await SSHClient.make("alice", for: gantry)
            _ = try await gantry.api.addSSHKey(name: "alice", publicKey: alice.publicKey)
            let repo = GitRepo(path: try await gantry.makeRepo("hello").path, git: alice.git)
            try await repo.commit("first", files: ["README.md": "hi\n"])
            try #require(await repo.push(alice.remote("hello"), ["main:refs/heads/one"]).succeeded)
            let recorded = ChildProcess.read(alice.knownHosts)
            #expect(recorded.contains("ssh-ed25519"), "accept-new recorded the host key: \(recorded)")
            let mode = try FileManager.default.attributesOfItem(atPath: gantry.data.sshHostKey)[.posixPermissions] as? NSNumber
            #expect(mode?.intValue == 0o600)

            try await gantry.restart()

            // StrictHostKeyChecking=accept-new refuses a changed key: this push proves it is the same.
            let push = try await repo.push(alice.remote("hello"), ["main:refs/heads/two"])
            #expect(push.succeeded, "\(push)")
            #expect(ChildProcess.read(alice.knownHosts) == recorded)
            let fingerprint = try await ChildProcess.run(try ChildProcess.find("ssh-keygen"), ["-l", "-f", alice.knownHosts])
            let logged = gantry.logTail(lines: 400)
            let printed = try #require(fingerprint.stdout.split(separator: " ").dropFirst().first.map(String.init))
            #expect(logged.components(separatedBy: "host key \(printed)").count == 3, "both starts log the same fingerprint \(printed):\n\(logged)")
        }
    }
}
