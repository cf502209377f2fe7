import Foundation
import GantryCore
import GantryTesting
import Testing

/// `git clone`, `fetch` and `ls-remote` over smart HTTP with the real git client, and pushes
/// from shallow clones (CI's `--depth 1`) over HTTP and SSH, against a real gantryd.
@Suite("git fetch over HTTP and shallow pushes", .serialized, .timeLimit(.minutes(5)))
struct GitFetchTests {
    /// An app `blog` whose `main` (two commits) is deployed; its repository and last commit.
    func deployedBlog(_ gantry: GantryDaemon) async throws -> (GitRepo, String) {
        try await gantry.createApp("blog")
        let repo = try await gantry.makeRepo("blog")
        _ = try await repo.commit("first", files: ["index.html": "<h1>first</h1>\n"])
        let head = try await repo.commit("second", files: ["index.html": "<h1>second</h1>\n"])
        let push = try await repo.push(gantry.remote("blog"), ["main"])
        try #require(push.succeeded, "\(push)\n\(gantry.logTail())")
        return (repo, head)
    }

    /// A `git clone --depth 1` of `url` with `git` into the scratch directory `name`.
    func shallowClone(_ url: String, git: Git, _ gantry: GantryDaemon, to name: String) async throws -> GitRepo {
        let repo = GitRepo(path: gantry.scratch.path + "/" + name, git: git)
        try await git.checked(["clone", "-q", "--depth", "1", url, repo.path])
        return repo
    }

    @Test func aSecondDeveloperClonesWhatIsDeployedOverHTTPAndFetchesTheNextPush() async throws {
        try await withDaemon { gantry in
            let (repo, head) = try await deployedBlog(gantry)
            let target = gantry.scratch.path + "/blog-clone"
            let clone = try await gantry.git.run(["clone", "-q", gantry.remote("blog"), target])
            #expect(clone.succeeded, "\(clone)\n\(gantry.logTail())")
            let cloned = GitRepo(path: target, git: gantry.git)
            #expect(try await cloned.revParse("HEAD") == head)
            #expect(try await cloned.checked(["rev-list", "--count", "HEAD"]) == "2")

            let listed = try await gantry.git.run(["ls-remote", gantry.remote("blog")])
            #expect(listed.succeeded && listed.stdout.contains("\(head)\trefs/heads/main"), "\(listed)")

            let next = try await repo.commit("third", files: ["notes.txt": "not deployed\n"])
            let push = try await repo.push(gantry.remote("blog"), ["main:refs/heads/work"])
            try #require(push.succeeded, "\(push)")
            // 60 local commits: git gzips the fetch's second round, 32 "have" lines (over 1 KiB).
            for index in 1...60 { try await cloned.checked(["commit", "-q", "--allow-empty", "-m", "local \(index)"]) }
            let fetch = try await GitRepo(path: target, git: gantry.git.with(["GIT_TRACE_CURL": "1", "GIT_TRACE_CURL_NO_DATA": "1"]))
                .run(["fetch", "-q", "origin"])
            #expect(fetch.succeeded, "\(fetch)")
            #expect(fetch.stderr.contains("Content-Encoding: gzip"), "the request was gzipped: \(fetch.stderr.suffix(3000))")
            #expect(try await cloned.revParse("origin/work") == next)
            #expect(try await gantry.fsck("blog").succeeded)
        }
    }

    @Test func withoutATokenGitIsAskedToAuthenticateAndNothingIsServed() async throws {
        try await withDaemon { gantry in
            try await gantry.createApp("blog")
            let anonymous = "http://127.0.0.1:\(gantry.port)/blog.git"
            // GIT_TERMINAL_PROMPT=0 (the fixture's): git asks no one after the 401 and stops.
            let clone = try await gantry.git.with(["GIT_TRACE_CURL": "1", "GIT_TRACE_CURL_NO_DATA": "1"])
                .run(["clone", "-q", anonymous, gantry.scratch.path + "/anonymous"])
            #expect(!clone.succeeded)
            #expect(clone.stderr.contains("HTTP/1.1 401"), "\(clone)")
            #expect(clone.stderr.contains("terminal prompts disabled"), "\(clone)")
            let listed = try await gantry.git.run(["ls-remote", gantry.remote("blog", token: "gantry_" + String(repeating: "0", count: 40))])
            #expect(!listed.succeeded && listed.stderr.contains("Authentication failed"), "\(listed)")
        }
    }

    @Test func protocolVersionsZeroAndTwoAndADepthOneCloneAreServed() async throws {
        try await withDaemon { gantry in
            let (_, head) = try await deployedBlog(gantry)
            for version in ["0", "2"] {
                let target = gantry.scratch.path + "/clone-v\(version)"
                let clone = try await gantry.git.with(["GIT_TRACE_PACKET": "1"])
                    .run(["-c", "protocol.version=\(version)", "clone", "-q", gantry.remote("blog"), target])
                #expect(clone.succeeded, "\(clone)\n\(gantry.logTail())")
                #expect(try await GitRepo(path: target, git: gantry.git).revParse("HEAD") == head)
                if version == "2" {
                    #expect(clone.stderr.contains("git< version 2"), "protocol v2 was negotiated: \(clone.stderr.suffix(2000))")
                    #expect(!clone.stderr.contains("# service=git-upload-pack"))
                } else {
                    #expect(clone.stderr.contains("git< # service=git-upload-pack"), "\(clone.stderr.suffix(2000))")
                    #expect(!clone.stderr.contains("git< version 2"))
                }
                let listed = try await gantry.git.run(["-c", "protocol.version=\(version)", "ls-remote", gantry.remote("blog"), "main"])
                #expect(listed.succeeded && listed.stdout == "\(head)\trefs/heads/main\n", "\(listed)")
            }
            let shallow = try await shallowClone(gantry.remote("blog"), git: gantry.git, gantry, to: "shallow")
            #expect(try await shallow.checked(["rev-list", "--count", "HEAD"]) == "1")
            #expect(try await shallow.checked(["rev-parse", "--is-shallow-repository"]) == "true")
        }
    }

    @Test func aReadMemberAndAReadOnlyTokenMayCloneButNotPushAndANonMemberSeesNoApp() async throws {
        try await withDaemon { gantry in
            let (_, head) = try await deployedBlog(gantry)
            let rita = try await gantry.api.createUser(name: "rita", role: "member")
            _ = try await gantry.api.grantAccess(app: "blog", user: "rita", role: "read")
            let mia = try await gantry.api.createUser(name: "mia", role: "member")
            let readOnly = try await gantry.api.createToken(CreateToken(name: "ci-read", readOnly: true))

            for (who, token, refusal) in [("rita", rita.token, "'rita' has read access to 'blog'; this needs deploy"), ("a read-only token", readOnly.token, "this token is read-only")] {
                let target = gantry.scratch.path + "/clone-\(UUID().uuidString)"
                let clone = try await gantry.git.run(["clone", "-q", gantry.remote("blog", token: token), target])
                #expect(clone.succeeded, "\(who): \(clone)")
                let cloned = GitRepo(path: target, git: gantry.git)
                #expect(try await cloned.revParse("HEAD") == head)
                _ = try await cloned.commit("change", files: ["x.txt": "x\n"])
                let push = try await cloned.push(gantry.remote("blog", token: token), ["HEAD:refs/heads/work"])
                #expect(!push.succeeded && push.stderr.contains(refusal), "\(who): \(push)")
            }

            // mia is told what anyone naming an app that does not exist is told.
            let blog = try await gantry.git.run(["clone", "-q", gantry.remote("blog", token: mia.token), gantry.scratch.path + "/mia-blog"])
            let ghost = try await gantry.git.run(["clone", "-q", gantry.remote("ghost", token: mia.token), gantry.scratch.path + "/mia-ghost"])
            #expect(!blog.succeeded && blog.stderr.contains("no app named 'blog'"), "\(blog)")
            #expect(blog.stderr.replacingOccurrences(of: "blog", with: "APP") == ghost.stderr.replacingOccurrences(of: "ghost", with: "APP"), "\(blog)\n\(ghost)")
            #expect(try await gantry.serverRefs("blog") == ["refs/heads/main": head])
        }
    }

    @Test func aCommitOnADepthOneClonePushesOverHTTPAndSSHWhichSpeaksProtocolTwoToo() async throws {
        try await withDaemon { gantry in
            _ = try await deployedBlog(gantry)
            let alice = try await SSHClient.make("alice", for: gantry)
            _ = try await gantry.api.addSSHKey(name: "alice", publicKey: alice.publicKey)

            // CI: a depth-1 clone, a commit, a push of main (which deploys).
            let ci = try await shallowClone(gantry.remote("blog"), git: gantry.git, gantry, to: "ci")
            let built = try await ci.commit("from CI", files: ["index.html": "<h1>from CI</h1>\n"])
            let push = try await ci.push(gantry.remote("blog"), ["main"])
            #expect(push.succeeded, "\(push)\n\(gantry.logTail())")
            #expect(try await gantry.serverRefs("blog")["refs/heads/main"] == built)

            // The same over SSH, to a branch.
            let sshCI = try await shallowClone(alice.remote("blog"), git: alice.git, gantry, to: "ssh-ci")
            let topic = try await sshCI.commit("over ssh", files: ["b.txt": "b\n"])
            let sshPush = try await sshCI.push(alice.remote("blog"), ["HEAD:refs/heads/topic"])
            #expect(sshPush.succeeded, "\(sshPush)\n\(gantry.logTail())")
            #expect(try await gantry.serverRefs("blog")["refs/heads/topic"] == topic)
            // Over SSH too, git asks for protocol v2 (GIT_PROTOCOL) and gets it.
            let listed = try await alice.git.with(["GIT_TRACE_PACKET": "1"]).run(["-c", "protocol.version=2", "ls-remote", alice.remote("blog")])
            #expect(listed.succeeded && listed.stderr.contains("ls-remote< version 2") && listed.stdout.contains("refs/heads/topic"), "\(listed)")
            #expect(try await gantry.fsck("blog").succeeded)
        }
    }

    @Test func aPushThatWouldMakeTheRepositoryShallowIsRefusedAndNoRefMoves() async throws {
        try await withDaemon { gantry in
            _ = try await deployedBlog(gantry)
            try await gantry.createApp("copy")
            let alice = try await SSHClient.make("alice", for: gantry)
            _ = try await gantry.api.addSSHKey(name: "alice", publicKey: alice.publicKey)
            let shallow = try await shallowClone(gantry.remote("blog"), git: gantry.git, gantry, to: "shallow")

            // `copy` lacks the clone's boundary commit's parent: the push would leave it shallow.
            let http = try await shallow.push(gantry.remote("copy"), ["main"])
            #expect(!http.succeeded && http.stderr.contains("shallow update not allowed"), "\(http)")
            let ssh = try await GitRepo(path: shallow.path, git: alice.git).push(alice.remote("copy"), ["main:refs/heads/work"])
            #expect(!ssh.succeeded && ssh.stderr.contains("shallow update not allowed"), "\(ssh)")
            #expect(try await gantry.serverRefs("copy").isEmpty)
            #expect(try await gantry.builds("copy").isEmpty)
        }
    }

    @Test func aClientThatHangsUpMidPackEndsGitUploadPack() async throws {
        try await withDaemon { gantry in
            try await gantry.createApp("big")
            let repo = try await gantry.makeRepo("big")
            let blob = Data(randomBytes(24 << 20))  // incompressible: the pack is as large
            let commit = try await repo.commit("a large file", data: ["large.bin": blob])
            let push = try await repo.push(gantry.remote("big"), ["main:refs/heads/large"])
            try #require(push.succeeded, "\(push)")

            // A protocol v2 fetch of the whole pack, read at 100 KiB/s and given up after 2 s.
            let request = gantry.scratch.path + "/fetch-request"
            let body = PktLine.encode("command=fetch\n") + Array("0001".utf8) + PktLine.encode("want \(commit)\n") + PktLine.encode("done\n") + Array("0000".utf8)
            try Data(body).write(to: URL(fileURLWithPath: request))
            async let curl = ChildProcess.run("/usr/bin/curl", [
                "-s", "-o", "/dev/null", "--max-time", "2", "--limit-rate", "100k", "-u", "git:\(gantry.token)",
                "-H", "Content-Type: application/x-git-upload-pack-request", "-H", "Git-Protocol: version=2",
                "--data-binary", "@" + request, "http://127.0.0.1:\(gantry.port)/big.git/git-upload-pack",
            ], environment: gantry.git.environment, timeout: .seconds(30))
            let repository = try gantry.repositoryPath("big")
            func uploadPacks() -> [String] {
                let entries = (try? FileManager.default.contentsOfDirectory(atPath: "/proc")) ?? []
                return entries.filter { $0.allSatisfy(\.isNumber) }.compactMap { pid in
                    let line = ChildProcess.read("/proc/\(pid)/cmdline").replacingOccurrences(of: "\0", with: " ")
                    return line.contains("upload-pack") && line.contains(repository) ? line : nil
                }
            }
            try await Task.sleep(for: .seconds(1))
            #expect(!uploadPacks().isEmpty, "git upload-pack serves the slow client")
            let ended = try await curl
            #expect(ended.status == 28, "curl gave up on its own: \(ended)")
            let deadline = ContinuousClock.now + .seconds(15)
            while !uploadPacks().isEmpty && ContinuousClock.now < deadline { try await Task.sleep(for: .milliseconds(200)) }
            #expect(uploadPacks().isEmpty, "git upload-pack outlived its client: \(uploadPacks())")
        }
    }
}
