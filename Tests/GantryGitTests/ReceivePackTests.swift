import GantryCore
import GantryGit
import Testing

@Suite struct ReceivePackTests {
    @Test func firstPushCreatesTheBranchAndReportsOK() async throws {
        let fixture = try await PushFixture()
        let first = try await fixture.commit("a.txt", "hello")
        let (results, output) = await fixture.receive([RefCommand(name: "refs/heads/main", old: .zero, new: first)], pack: try await fixture.pack(first))
        #expect(results == [.ok])
        #expect(try fixture.serverRefs() == ["refs/heads/main": first])
        let text = String(decoding: output, as: UTF8.self)
        #expect(text.contains("unpack ok") && text.contains("ok refs/heads/main"))
        #expect(text.contains("Received 3 objects"))
    }

    @Test func incrementalThinPackResolvesBasesFromTheRepository() async throws {
        let fixture = try await PushFixture()
        let first = try await fixture.commit("a.txt", String(repeating: "line of text\n", count: 500))
        _ = await fixture.receive([RefCommand(name: "refs/heads/main", old: .zero, new: first)], pack: try await fixture.pack(first))
        let second = try await fixture.commit("a.txt", String(repeating: "line of text\n", count: 500) + "one more\n")
        let thin = try await fixture.pack(second, since: first)
        let (results, _) = await fixture.receive([RefCommand(name: "refs/heads/main", old: first, new: second)], pack: thin)
        #expect(results == [.ok])
        #expect(try fixture.serverRefs()["refs/heads/main"] == second)
        try await git(["--git-dir", fixture.bare, "fsck", "--strict", "--no-dangling"], in: fixture.directory.path)
    }

    @Test func corruptPackLeavesRefsAndObjectsUntouched() async throws {
        let fixture = try await PushFixture()
        let first = try await fixture.commit("a.txt", "hello")
        var pack = try await fixture.pack(first)
        pack[pack.count / 2] ^= 0xff
        let (results, output) = await fixture.receive([RefCommand(name: "refs/heads/main", old: .zero, new: first)], pack: pack)
        #expect(results == [.rejected("unpacker error")])
        #expect(try fixture.serverRefs().isEmpty)
        #expect(try fixture.packFiles().isEmpty)
        #expect(String(decoding: output, as: UTF8.self).contains("unpack "))
    }

    @Test func truncatedPackIsRefused() async throws {
        let fixture = try await PushFixture()
        let first = try await fixture.commit("a.txt", "hello")
        let pack = try await fixture.pack(first)
        let (results, _) = await fixture.receive([RefCommand(name: "refs/heads/main", old: .zero, new: first)], pack: Array(pack.dropLast(30)))
        #expect(results == [.rejected("unpacker error")])
        #expect(try fixture.serverRefs().isEmpty)
    }

    @Test func packMissingTheTipIsRefused() async throws {
        let fixture = try await PushFixture()
        let first = try await fixture.commit("a.txt", "hello")
        let second = try await fixture.commit("b.txt", "world")
        let (results, _) = await fixture.receive([RefCommand(name: "refs/heads/main", old: .zero, new: second)], pack: try await fixture.pack(first))
        #expect(results == [.rejected("missing necessary objects")])
        #expect(try fixture.serverRefs().isEmpty)
        #expect(try fixture.packFiles().isEmpty)
    }

    @Test func aShallowClonesPushIsAcceptedWhenTheRepositoryHasItsBoundary() async throws {
        let fixture = try await PushFixture()
        let first = try await fixture.commit("a.txt", "hello")
        _ = await fixture.receive([RefCommand(name: "refs/heads/main", old: .zero, new: first)], pack: try await fixture.pack(first))
        let second = try await fixture.commit("b.txt", "world")
        let (results, _) = await fixture.receive(
            [RefCommand(name: "refs/heads/main", old: first, new: second)], pack: try await fixture.pack(second, since: first), shallow: [first])
        #expect(results == [.ok])
        #expect(try fixture.serverRefs()["refs/heads/main"] == second)
    }

    @Test func aShallowPushThatWouldMakeTheRepositoryShallowIsRefusedInGitsWords() async throws {
        let fixture = try await PushFixture()
        let first = try await fixture.commit("a.txt", "hello")
        let second = try await fixture.commit("b.txt", "world")
        let (results, output) = await fixture.receive(
            [RefCommand(name: "refs/heads/main", old: .zero, new: second)], pack: try await fixture.pack(second, since: first), shallow: [first])
        #expect(results == [.rejected("shallow update not allowed")])
        #expect(String(decoding: output, as: UTF8.self).contains("ng refs/heads/main shallow update not allowed"))
        #expect(try fixture.serverRefs().isEmpty)
        #expect(try fixture.packFiles().isEmpty)
    }

    @Test func packWithoutABlobItsTreeNamesIsRefused() async throws {
        let fixture = try await PushFixture()
        let commit = try await fixture.commit("a.txt", "hello")
        _ = try await fixture.commit("b.txt", "unrelated")
        // The commit and its tree, but not the blob of a.txt: a well-formed but unconnected pack.
        let tree = String(decoding: try await git(["rev-parse", "\(commit.hex)^{tree}"], in: fixture.work), as: UTF8.self)
        let objects = commit.hex + "\n" + tree
        let pack = try await git(["pack-objects", "--stdout", "-q"], in: fixture.work, input: Array(objects.utf8))
        let (results, _) = await fixture.receive([RefCommand(name: "refs/heads/main", old: .zero, new: commit)], pack: pack)
        #expect(results == [.rejected("missing necessary objects")])
        #expect(try fixture.serverRefs().isEmpty)
        #expect(try fixture.packFiles().isEmpty)
    }

    @Test func annotatedTagWithItsCommitIsAccepted() async throws {
        let fixture = try await PushFixture()
        let commit = try await fixture.commit("a.txt", "hello")
        try await git(["tag", "-a", "v1", "-m", "first release", commit.hex], in: fixture.work)
        let tag = try ObjectID(String(decoding: try await git(["rev-parse", "v1"], in: fixture.work), as: UTF8.self)
            .trimmingCharacters(in: .whitespacesAndNewlines))
        let pack = try await git(["pack-objects", "--stdout", "--revs", "-q"], in: fixture.work, input: Array("v1\n".utf8))
        let commands = [
            RefCommand(name: "refs/heads/main", old: .zero, new: commit),
            RefCommand(name: "refs/tags/v1", old: .zero, new: tag),
        ]
        let (results, _) = await fixture.receive(commands, pack: pack)
        #expect(results == [.ok, .ok])
        #expect(try fixture.serverRefs()["refs/tags/v1"] == tag)
        try await git(["--git-dir", fixture.bare, "fsck", "--strict", "--no-dangling"], in: fixture.directory.path)
    }

    @Test func packWithAnUnreachableTreeNamingAMissingBlobIsRefused() async throws {
        let fixture = try await PushFixture()
        let commit = try await fixture.commit("a.txt", "hello")
        // A tree no commit reaches, naming a blob nobody has: every object a pack brings must
        // be complete, as with git's `index-pack --strict`.
        let entry = "100644 blob \(String(repeating: "e", count: 40))\tghost.txt\n"
        let stray = String(decoding: try await git(["mktree", "--missing"], in: fixture.work, input: Array(entry.utf8)), as: UTF8.self)
        let objects = String(decoding: try await git(["rev-list", "--objects", commit.hex], in: fixture.work), as: UTF8.self) + stray
        let pack = try await git(["pack-objects", "--stdout", "-q"], in: fixture.work, input: Array(objects.utf8))
        let (results, _) = await fixture.receive([RefCommand(name: "refs/heads/main", old: .zero, new: commit)], pack: pack)
        #expect(results == [.rejected("missing necessary objects")])
        #expect(try fixture.serverRefs().isEmpty)
        #expect(try fixture.packFiles().isEmpty)
    }

    @Test func largePackMissingOneBlobIsRefusedWhenCheckedInParts() async throws {
        let fixture = try await PushFixture()
        // 2,500 commits, each with a new tree: over the size at which the check is split
        // across cores. The blob of the 1,234th commit is left out of the pack.
        var stream = ""
        for number in 1...2_500 {
            let content = "version \(number)\n"
            stream += "commit refs/heads/main\ncommitter T <t@e> \(1_700_000_000 + number) +0000\ndata 2\nc\n"
            stream += "M 100644 inline file.txt\ndata \(content.utf8.count)\n\(content)\n"
        }
        try await git(["fast-import", "--quiet"], in: fixture.work, input: Array(stream.utf8))
        let missing = String(decoding: try await git(["rev-parse", "main~1266:file.txt"], in: fixture.work), as: UTF8.self)
            .trimmingCharacters(in: .whitespacesAndNewlines)
        let tip = try ObjectID(String(decoding: try await git(["rev-parse", "main"], in: fixture.work), as: UTF8.self)
            .trimmingCharacters(in: .whitespacesAndNewlines))
        let objects = String(decoding: try await git(["rev-list", "--objects", "main"], in: fixture.work), as: UTF8.self)
            .split(separator: "\n").filter { !$0.hasPrefix(missing) }.joined(separator: "\n") + "\n"
        let pack = try await git(["pack-objects", "--stdout", "-q"], in: fixture.work, input: Array(objects.utf8))
        let (results, _) = await fixture.receive([RefCommand(name: "refs/heads/main", old: .zero, new: tip)], pack: pack)
        #expect(results == [.rejected("missing necessary objects")])
        #expect(try fixture.serverRefs().isEmpty)

        let complete = try await git(["pack-objects", "--stdout", "--revs", "-q"], in: fixture.work, input: Array("main\n".utf8))
        let (accepted, _) = await fixture.receive([RefCommand(name: "refs/heads/main", old: .zero, new: tip)], pack: complete)
        #expect(accepted == [.ok])
    }

    @Test func staleOldValueIsRejectedNotOverwritten() async throws {
        let fixture = try await PushFixture()
        let first = try await fixture.commit("a.txt", "one")
        _ = await fixture.receive([RefCommand(name: "refs/heads/main", old: .zero, new: first)], pack: try await fixture.pack(first))
        let second = try await fixture.commit("a.txt", "two")
        // The client believes main is still unborn: it lost a race.
        let (results, _) = await fixture.receive([RefCommand(name: "refs/heads/main", old: .zero, new: second)], pack: try await fixture.pack(second))
        #expect(results == [.rejected("stale info")])
        #expect(try fixture.serverRefs()["refs/heads/main"] == first)
    }

    @Test func atomicPushWithOneBadRefUpdatesNothing() async throws {
        let fixture = try await PushFixture()
        let first = try await fixture.commit("a.txt", "one")
        let commands = [
            RefCommand(name: "refs/heads/main", old: .zero, new: first),
            RefCommand(name: "refs/heads/bad..name", old: .zero, new: first),
        ]
        let (results, _) = await fixture.receive(commands, capabilities: ["report-status", "atomic"], pack: try await fixture.pack(first))
        #expect(results == [.rejected("atomic push failed"), .rejected("funny refname")])
        #expect(try fixture.serverRefs().isEmpty)
    }

    @Test func nonAtomicPushUpdatesTheGoodRefs() async throws {
        let fixture = try await PushFixture()
        let first = try await fixture.commit("a.txt", "one")
        let commands = [
            RefCommand(name: "refs/heads/main", old: .zero, new: first),
            RefCommand(name: "refs/heads/bad..name", old: .zero, new: first),
        ]
        let (results, _) = await fixture.receive(commands, pack: try await fixture.pack(first))
        #expect(results == [.ok, .rejected("funny refname")])
        #expect(try fixture.serverRefs() == ["refs/heads/main": first])
    }

    @Test func deletingTheDeployBranchIsRefused() async throws {
        let fixture = try await PushFixture()
        let first = try await fixture.commit("a.txt", "one")
        _ = await fixture.receive([RefCommand(name: "refs/heads/main", old: .zero, new: first)], pack: try await fixture.pack(first))
        let (results, _) = await fixture.receive([RefCommand(name: "refs/heads/main", old: first, new: .zero)])
        #expect(results.first?.isOK == false)
        #expect(try fixture.serverRefs()["refs/heads/main"] == first)
    }

    @Test func deletingAnotherBranchWorksWithoutAPack() async throws {
        let fixture = try await PushFixture()
        let first = try await fixture.commit("a.txt", "one")
        _ = await fixture.receive([RefCommand(name: "refs/heads/topic", old: .zero, new: first)], pack: try await fixture.pack(first))
        let (results, _) = await fixture.receive([RefCommand(name: "refs/heads/topic", old: first, new: .zero)])
        #expect(results == [.ok])
        #expect(try fixture.serverRefs().isEmpty)
    }

    @Test func pushOverTheSizeLimitIsRefused() async throws {
        let fixture = try await PushFixture()
        let first = try await fixture.commit("a.txt", String((0..<20_000).map { _ in "abcdefghijklmnopqrstuvwxyz".randomElement()! }))
        let (results, output) = await fixture.receive(
            [RefCommand(name: "refs/heads/main", old: .zero, new: first)], pack: try await fixture.pack(first), maxPushBytes: 5_000)
        #expect(results == [.rejected("unpacker error")])
        #expect(String(decoding: output, as: UTF8.self).contains("larger than the limit of 5000 bytes"))
        #expect(try fixture.serverRefs().isEmpty)
    }

    @Test func preReceiveHookCanRefuseAndRefsStay() async throws {
        let fixture = try await PushFixture()
        let first = try await fixture.commit("a.txt", "one")
        let hooks = ReceivePackHooks(preReceive: { commands, _, _, reply in
            reply.step("Running checks")
            return commands.map { _ in "tests failed" }
        })
        let (results, output) = await fixture.receive(
            [RefCommand(name: "refs/heads/main", old: .zero, new: first)], pack: try await fixture.pack(first), hooks: hooks)
        #expect(results == [.rejected("tests failed")])
        #expect(try fixture.serverRefs().isEmpty)
        #expect(try fixture.packFiles().isEmpty)
        #expect(String(decoding: output, as: UTF8.self).contains("-----> Running checks"))
    }

    @Test func keepalivesFlowWhileALongHookRuns() async throws {
        let fixture = try await PushFixture()
        let first = try await fixture.commit("a.txt", "one")
        let hooks = ReceivePackHooks(preReceive: { commands, _, _, _ in
            try? await Task.sleep(for: .milliseconds(2000))
            return commands.map { _ in nil }
        })
        let (results, output) = await fixture.receive(
            [RefCommand(name: "refs/heads/main", old: .zero, new: first)], pack: try await fixture.pack(first), hooks: hooks,
            keepaliveInterval: .milliseconds(200))
        #expect(results == [.ok])
        // An empty side-band-1 packet: "0005\1".
        let keepalive = Sideband.data.encode([])
        let count = (0...(output.count - keepalive.count)).filter { Array(output[$0..<$0 + keepalive.count]) == keepalive }.count
        #expect(count >= 2, "expected keepalives during a 2 s hook, found \(count)")
    }
}
