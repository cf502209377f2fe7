import Foundation
import GantryCore
import Testing

/// `git push` over smart HTTP to a real gantryd: the real git client, a real daemon on a random
/// port, a temp data directory per test. Serialized: each test owns a daemon and a few git
/// processes, and the machine has two cores.
@Suite("git push to gantryd", .serialized, .timeLimit(.minutes(2)))
struct GitPushTests {
    // MARK: - Accepted pushes

    @Test func firstPushStoresTheRefsAndRecordsABuild() async throws {
        try await withDaemon { gantry in
            try await gantry.createApp("hello")
            let repo = try await gantry.makeRepo("hello")
            let commit = try await repo.commit(
                "first", files: ["README.md": "hello\n", "app.py": "print('hello')\n"])

            let push = try await repo.push(gantry.remote("hello"), ["main"], options: ["--progress"])

            #expect(push.succeeded, "\(push)")
            #expect(try await gantry.serverRefs("hello") == ["refs/heads/main": commit])
            let builds = try await gantry.builds("hello")
            #expect(builds.count == 1, "builds: \(builds)")
            let build = try #require(builds.first)
            #expect(build.app.rawValue == "hello")
            #expect(build.ref.rawValue == "refs/heads/main")
            #expect(build.oldCommit == .zero)
            #expect(build.newCommit.hex == commit)
            #expect(build.status == .built)
            let remoteLines = push.stderr.split(separator: "\n").filter { $0.hasPrefix("remote:") }
            #expect(!remoteLines.isEmpty, "no `remote:` line in:\n\(push.stderr)")
            #expect(
                remoteLines.contains { $0.lowercased().contains("build") && words($0).contains(String(build.id)) },
                "no `remote:` line names build \(build.id):\n\(push.stderr)")
            try await expectClean(gantry.fsck("hello"))
        }
    }

    @Test func secondPushSendsAThinPackAndRecordsABuildFromTheFirstCommit() async throws {
        try await withDaemon { gantry in
            try await gantry.createApp("hello")
            let repo = try await gantry.makeRepo("hello")
            var noise = NoiseGenerator(seed: 2)
            let big = noise.text(200_000)
            let first = try await repo.commit("first", files: ["big.txt": big, "README.md": "one\n"])
            try #require(await repo.push(gantry.remote("hello"), ["main"]).succeeded)

            // One line changed in a 200 kB file: git sends it as a delta against the blob the
            // server has, which is not in the pack (a thin pack).
            let second = try await repo.commit("second", files: ["big.txt": "changed\n" + big])
            let push = try await repo.push(gantry.remote("hello"), ["main"], options: ["--progress"])

            #expect(push.succeeded, "\(push)")
            #expect(push.stderr.contains("Writing objects: 100% (3/3)"), "expected 3 objects sent:\n\(push.stderr)")
            #expect(try await gantry.serverRefs("hello") == ["refs/heads/main": second])
            let builds = try await gantry.builds("hello")
            #expect(builds.count == 2, "builds: \(builds)")
            let build = try #require(builds.first { $0.newCommit.hex == second }, "no build of \(second) in \(builds)")
            #expect(build.oldCommit.hex == first)
            #expect(build.status == .built)
            #expect(build.id != builds.first { $0.newCommit.hex == first }?.id)
            try await expectClean(gantry.fsck("hello"))
        }
    }

    @Test func largeRepositoryPushesIntactly() async throws {
        try await withDaemon { gantry in
            try await gantry.createApp("large")
            let repo = try await gantry.makeRepo("large")
            try await repo.fastImport(HistoryGenerator.stream(commits: 2_000, files: 5_000))
            #expect(try await repo.checked(["rev-list", "--count", "main"]) == "2000")
            #expect(try await repo.checked(["ls-files"]).split(separator: "\n").count == 5_000)
            let head = try await repo.commit("deploy", files: [:])  // adds the Procfile: now it builds

            let push = try await repo.push(gantry.remote("large"), ["main"])

            #expect(push.succeeded, "\(push)")
            #expect(try await gantry.serverRefs("large") == ["refs/heads/main": head])
            let server = try gantry.repositoryPath("large")
            #expect(try await gantry.git.checked(["--git-dir", server, "rev-list", "--count", "main"]) == "2001")
            try await expectClean(gantry.fsck("large"))
            #expect(try await gantry.builds("large").map(\.newCommit.hex) == [head])
        }
    }

    @Test func pushOfAnotherBranchStoresTheRefWithoutABuild() async throws {
        try await withDaemon { gantry in
            try await gantry.createApp("branches")
            let repo = try await gantry.makeRepo("branches")
            let main = try await repo.commit("main", files: ["README.md": "main\n"])
            try #require(await repo.push(gantry.remote("branches"), ["main"]).succeeded)
            try await repo.checked(["checkout", "-q", "-b", "feature"])
            let feature = try await repo.commit("feature", files: ["feature.txt": "feature\n"])

            let push = try await repo.push(gantry.remote("branches"), ["feature"])

            #expect(push.succeeded, "\(push)")
            #expect(try await gantry.serverRefs("branches") == ["refs/heads/main": main, "refs/heads/feature": feature])
            let builds = try await gantry.builds("branches")
            #expect(builds.map(\.newCommit.hex) == [main], "only the push to main is a build: \(builds)")
            try await expectClean(gantry.fsck("branches"))
        }
    }

    @Test func concurrentPushesToOneAppLetExactlyOneWin() async throws {
        try await withDaemon { gantry in
            try await gantry.createApp("race")
            let base = try await gantry.makeRepo("base")
            try await base.commit("base", files: ["README.md": "base\n"])
            try #require(await base.push(gantry.remote("race"), ["main"]).succeeded)
            let left = try await base.clone(to: gantry.scratch.path + "/left")
            let right = try await base.clone(to: gantry.scratch.path + "/right")
            var noise = NoiseGenerator(seed: 3)
            var wins = 0

            for round in 1...3 {
                // Same base, different new commits, each with 1 MiB to send: the two pushes
                // overlap on the server, and one must lose the compare-and-swap.
                let leftCommit = try await left.commit("left \(round)", data: ["left.bin": noise.bytes(1 << 20)])
                let rightCommit = try await right.commit("right \(round)", data: ["right.bin": noise.bytes(1 << 20)])
                async let leftPush = left.push(gantry.remote("race"), ["main"])
                async let rightPush = right.push(gantry.remote("race"), ["main"])
                let (l, r) = try await (leftPush, rightPush)

                try #require(l.succeeded != r.succeeded, "round \(round): exactly one push must win\n\(l)\n\(r)")
                let (winner, winnerCommit, loser) = l.succeeded ? (left, leftCommit, r) : (right, rightCommit, l)
                #expect(loser.stderr.contains("rejected"), "round \(round): the loser must be told:\n\(loser)")
                #expect(try await gantry.serverRefs("race") == ["refs/heads/main": winnerCommit], "round \(round)")
                wins += 1

                // Both clones start the next round from the winner's commit.
                for clone in [left, right] where clone.path != winner.path {
                    try await clone.checked(["fetch", "-q", winner.path, "main"])
                    try await clone.checked(["reset", "-q", "--hard", "FETCH_HEAD"])
                }
            }
            try await expectClean(gantry.fsck("race"))
            #expect(try await gantry.builds("race").count == 1 + wins)
        }
    }
}

// MARK: - Helpers

/// The alphanumeric words of `line` (`"Build 12 recorded"` → `["Build", "12", "recorded"]`).
func words(_ line: some StringProtocol) -> [String] {
    String(line).split(whereSeparator: { !$0.isLetter && !$0.isNumber }).map(String.init)
}

/// Records an issue unless `git fsck` exited 0 and printed nothing.
func expectClean(_ fsck: ProcessOutput, sourceLocation: SourceLocation = #_sourceLocation) {
    let printed = (fsck.stdout + fsck.stderr).trimmingCharacters(in: .whitespacesAndNewlines)
    #expect(fsck.succeeded && printed.isEmpty, "git fsck --strict is not clean: \(fsck)", sourceLocation: sourceLocation)
}
