import Foundation
import GantryClient
import GantryCore
import Testing

/// Issue 12, item 3: gantryd's data directory on a small file system of its own (a 2 GiB
/// ext4 on a loop device), full when a push writes its pack, when a build writes, when a
/// build's log is written and when SQLite writes (a build's row, a config change). Each time
/// the pusher reads "no space left on device" in plain words, the live release keeps serving
/// through the router (polled every 100 ms), SQLite passes `PRAGMA integrity_check`, and once
/// the filler is removed the next push works with no manual step (real gantryd, git, runc,
/// mkfs.ext4 and a loop device). The app's event log meeting ENOSPC loses its line, not gantryd.
///
/// gantryd runs with `--min-free-mb 0` so the write itself meets ENOSPC; the last test shows
/// the refusal that gantryd's own threshold gives before a build starts.
@Suite(.serialized) struct DiskFullTests {
    /// What every message about a full disk says, whichever stage met it.
    static let plainWords = "no space left on device in the data directory"

    @Test func aPushWhosePackMeetsAFullDiskIsRejectedInPlainWordsAndTheNextPushWorks() async throws {
        try await withSmallDisk { gantry, disk in
            let (repo, v1) = try await gantry.deploySmallApp("pack")
            var noise = NoiseGenerator(seed: 12)
            let v2 = try await repo.commit("48 MB that will not fit", data: ["big.bin": noise.bytes(48 << 20), "v.txt": Data("v2\n".utf8)])
            try disk.fill(leaving: 8 << 20)

            let watch = ServingWatch(gantry, app: "pack")
            let push = try await repo.push(gantry.remote("pack"), ["main"])
            await gantry.expectStillServing(watch, "pack", text: "v1\n", refs: ["refs/heads/main": v1], after: push)

            #expect(push.stderr.contains(Self.plainWords), "\(push.stderr)")
            #expect(push.stderr.contains("gantry gc"), "\(push.stderr)")
            #expect(gantry.scratchEntries().isEmpty, "the quarantine stayed: \(gantry.scratchEntries())")

            disk.free()
            try await gantry.expectNextPushWorks(repo, "pack", commit: v2, text: "v2\n")
        }
    }

    @Test func aBuildThatFillsTheDiskIsRejectedInPlainWordsAndTheNextPushWorks() async throws {
        try await withSmallDisk { gantry, disk in
            let (repo, v1) = try await gantry.deploySmallApp("build")
            // 48 MB written by the build (bin/compile's step) into /app, on a disk with 16 MB free.
            var files = try Self.nodeBuild("dd if=/dev/zero of=/app/written bs=1M count=48")
            files["v.txt"] = "v2\n"
            let v2 = try await repo.commit("a build writing 48 MB", files: files)
            try disk.fill(leaving: 16 << 20)

            let watch = ServingWatch(gantry, app: "build")
            let push = try await repo.push(gantry.remote("build"), ["main"])
            await gantry.expectStillServing(watch, "build", text: "v1\n", refs: ["refs/heads/main": v1], after: push)

            #expect(push.stderr.contains("No space left on device"), "the build's own words: \(push.stderr.suffix(3000))")
            #expect(push.stderr.contains(Self.plainWords), "\(push.stderr.suffix(3000))")
            #expect(push.stderr.contains("[remote rejected] main -> main (no space left on device"), "\(push.stderr.suffix(3000))")

            disk.free()
            try await gantry.expectNextPushWorks(repo, "build", commit: v2, text: "v2\n")
        }
    }

    @Test func aBuildLogWrittenToAFullDiskIsReportedToThePusherAndTheNextPushWorks() async throws {
        try await withSmallDisk { gantry, disk in
            let (repo, v1) = try await gantry.deploySmallApp("log")
            // The build says it is ready and waits; the disk is filled; the build then prints
            // 3 MB (30,000 lines), which the build log must write.
            let script = "touch /cache/ready && while [ ! -e /cache/go ]; do sleep 0.1; done && "
                + "yes \(String(repeating: "x", count: 99)) | head -n 30000"
            var files = try Self.nodeBuild(script)
            files["v.txt"] = "v2\n"
            let v2 = try await repo.commit("a build printing 3 MB", files: files)

            let watch = ServingWatch(gantry, app: "log")
            async let pushed = repo.push(gantry.remote("log"), ["main"])
            let cache = gantry.data.buildCaches + "/log"
            try await gantry.eventually("the build is ready") { FileManager.default.fileExists(atPath: cache + "/ready") }
            try await gantry.truncateWAL()
            try disk.fill()
            _ = FileManager.default.createFile(atPath: cache + "/go", contents: nil)
            let push = try await pushed
            await gantry.expectStillServing(watch, "log", text: "v1\n", refs: ["refs/heads/main": v1], after: push)

            #expect(push.stderr.contains("Cannot save the build log: "), "\(push.stderr.suffix(3000))")
            #expect(push.stderr.contains(Self.plainWords), "\(push.stderr.suffix(3000))")

            disk.free()
            try FileManager.default.removeItem(atPath: cache + "/ready")
            try await gantry.expectNextPushWorks(repo, "log", commit: v2, text: "v2\n")

            // The app's event log meets ENOSPC too (/dev/full in its place) as a scaling ends:
            // the event is lost, nothing else — gantryd, and the router in it, run on.
            let events = gantry.data.logs + "/log/events.log"
            try FileManager.default.removeItem(atPath: events)
            try FileManager.default.createSymbolicLink(atPath: events, withDestinationPath: "/dev/full")
            let scaled = try await gantry.api.scale(app: "log", ["web": 2])
            #expect(scaled.filter { $0.type == "web" }.count == 2, "\(scaled)")
            #expect(gantry.process.current.isRunning, "gantryd died writing its event log; its log:\n\(gantry.logTail())")
            #expect(try await gantry.get("log", path: "/v.txt").text == "v2\n")
        }
    }

    @Test func aSQLiteWriteToAFullDiskIsRejectedInPlainWordsAndTheNextPushWorks() async throws {
        try await withSmallDisk { gantry, disk in
            let (repo, v1) = try await gantry.deploySmallApp("sqlite")
            // A commit whose subject is 4 MB of text on one line: its pack is 3 MB, the build's
            // row in SQLite holds all 4 MB. The disk keeps room for the pack, not for the row
            // (the WAL emptied first, so that SQLite must grow it rather than reuse it).
            var noise = NoiseGenerator(seed: 4)
            try repo.write(["v.txt": Data("v2\n".utf8)])
            try await repo.checked(["add", "-A"])
            try await repo.checked(["commit", "-q", "--no-verify", "-F", "-"], input: Data(noise.bytes(3 << 20).base64EncodedString().utf8))
            let v2 = try await repo.revParse("HEAD")
            let pack = try await repo.run(["pack-objects", "--stdout", "--revs"], input: Data("\(v2)\n^\(v1)\n".utf8))
            try #require(pack.succeeded && pack.output.count > 2 << 20, "\(pack.output.count) bytes of pack")
            try await gantry.truncateWAL()
            try disk.fill(leaving: pack.output.count + (512 << 10))

            let watch = ServingWatch(gantry, app: "sqlite")
            let push = try await repo.push(gantry.remote("sqlite"), ["main"])
            await gantry.expectStillServing(watch, "sqlite", text: "v1\n", refs: ["refs/heads/main": v1], after: push)
            #expect(push.stderr.contains("Received "), "the pack did not fit: \(push.stderr.suffix(3000))")
            #expect(push.stderr.contains("Cannot record the build: "), "\(push.stderr.suffix(3000))")
            #expect(push.stderr.contains(Self.plainWords), "\(push.stderr.suffix(3000))")
            #expect(try await gantry.builds("sqlite").count == 1, "a build row of the rejected push was kept")

            // A config change, a SQLite write too, on the disk filled to its last block.
            try await gantry.truncateWAL()
            try disk.fill()
            let change = try await ChildProcess.run(
                try Templates.cli(), ["config:set", "sqlite", "GREETING=hello", "--server", gantry.server],
                environment: ["GANTRY_TOKEN": gantry.token, "HOME": gantry.scratch.path, "PATH": "/usr/bin:/bin"], timeout: .seconds(60))
            #expect(!change.succeeded)
            #expect(change.stderr.contains(Self.plainWords), "\(change)")
            #expect(try await gantry.api.config(app: "sqlite")["GREETING"] == nil)
            #expect(try await gantry.get("sqlite", path: "/v.txt").text == "v1\n")
            #expect(try await gantry.integrityCheck() == "ok")

            disk.free()
            try await gantry.expectNextPushWorks(repo, "sqlite", commit: v2, text: "v2\n")
            _ = try await gantry.api.changeConfig(app: "sqlite", set: ["GREETING": "hello"])
            #expect(try await gantry.api.config(app: "sqlite")["GREETING"] == "hello")
        }
    }

    @Test func belowMinFreeMbABuildIsRefusedBeforeItStartsAndRunsOnceSpaceIsFreed() async throws {
        try await withSmallDisk(minFreeMb: 200) { gantry, disk in
            let (repo, v1) = try await gantry.deploySmallApp("refused")
            let v2 = try await repo.commit("v2", files: ["v.txt": "v2\n"])
            try disk.fill(leaving: 100 << 20)

            let watch = ServingWatch(gantry, app: "refused")
            let push = try await repo.push(gantry.remote("refused"), ["main"])
            await gantry.expectStillServing(watch, "refused", text: "v1\n", refs: ["refs/heads/main": v1], after: push)
            #expect(push.stderr.contains("not enough disk space for a build: "), "\(push.stderr)")
            #expect(push.stderr.contains(" MB free, 200 MB needed in the data directory; free some (`gantry gc`)"), "\(push.stderr)")

            disk.free()
            try await gantry.expectNextPushWorks(repo, "refused", commit: v2, text: "v2\n")
        }
    }

    /// The package.json of a Node.js app without dependencies or tests whose `build` script is
    /// `script`: bin/compile runs it as the app's user (`sh -c` in /app), output indented.
    static func nodeBuild(_ script: String) throws -> [String: String] {
        let package: [String: Any] = ["name": "disk", "version": "1.0.0", "private": true, "scripts": ["build": script]]
        let json = try JSONSerialization.data(withJSONObject: package, options: [.sortedKeys, .prettyPrinted])
        return ["package.json": String(decoding: json, as: UTF8.self)]
    }

    /// A gantryd (`--min-free-mb minFreeMb`) whose data directory is on a 2 GiB ext4 of the
    /// test's own (the stack's 700 MB layer is copied there at start), torn down after it.
    func withSmallDisk(minFreeMb: Int = 0, _ body: (GantryDaemon, LoopFilesystem) async throws -> Void) async throws {
        try await withLoopFilesystem(megabytes: 2048) { disk in
            try await withDaemon(arguments: ["--min-free-mb", String(minFreeMb)], dataDirectory: disk.mountPoint + "/data") { gantry in
                try await body(gantry, disk)
            }
        }
    }
}

extension GantryDaemon {
    /// Creates `app` and deploys v1 of a Procfile app serving `v.txt` ("v1") and an
    /// `index.html` (what `ServingWatch` asks for).
    /// - Returns: its work tree and the commit deployed.
    func deploySmallApp(_ app: String) async throws -> (GitRepo, String) {
        try await createApp(app)
        let repo = try await makeRepo(app)
        let v1 = try await repo.commit("v1", files: ["v.txt": "v1\n", "index.html": "<p>\(app)</p>\n"])
        let push = try await repo.push(remote(app), ["main"])
        try #require(push.succeeded, "\(push.stderr)")
        return (repo, v1)
    }

    /// After a push the full disk failed: it was rejected, gantryd still runs, the live
    /// release served every poll of `watch` and still serves `text` as `/v.txt`, the refs are
    /// `refs`, and SQLite and the repository are intact.
    func expectStillServing(
        _ watch: ServingWatch, _ app: String, text: String, refs: [String: String], after push: ProcessOutput,
        sourceLocation: SourceLocation = #_sourceLocation
    ) async {
        let serving = await watch.stop()
        #expect(!push.succeeded, "a push on a full disk went through: \(push.stderr.suffix(2000))", sourceLocation: sourceLocation)
        #expect(process.current.isRunning, "gantryd died; its log:\n\(logTail())", sourceLocation: sourceLocation)
        #expect(serving.failures.isEmpty && serving.ok > 0, "\(serving.failures.count) of \(serving.ok + serving.failures.count) requests failed, e.g. \(serving.failures.prefix(3))", sourceLocation: sourceLocation)
        #expect((try? await get(app, path: "/v.txt").text) == text, sourceLocation: sourceLocation)
        #expect((try? await serverRefs(app)) == refs, sourceLocation: sourceLocation)
        #expect((try? await integrityCheck()) == "ok", sourceLocation: sourceLocation)
        let fsck = try? await fsck(app)
        #expect(fsck?.succeeded == true, "\(fsck?.description ?? "git fsck did not run")", sourceLocation: sourceLocation)
    }

    /// With space freed, pushing `commit` again deploys it: `/v.txt` is `text`, the ref moved,
    /// SQLite is intact.
    func expectNextPushWorks(
        _ repo: GitRepo, _ app: String, commit: String, text: String, sourceLocation: SourceLocation = #_sourceLocation
    ) async throws {
        let push = try await repo.push(remote(app), ["main"])
        #expect(push.succeeded, "the push after space was freed: \(push.stderr.suffix(3000))", sourceLocation: sourceLocation)
        #expect(try await get(app, path: "/v.txt").text == text, sourceLocation: sourceLocation)
        #expect(try await serverRefs(app) == ["refs/heads/main": commit], sourceLocation: sourceLocation)
        #expect(try await integrityCheck() == "ok", sourceLocation: sourceLocation)
    }

    /// `PRAGMA integrity_check` of gantryd's database by the sqlite3 shell (read-only, beside
    /// gantryd's connections): "ok" when intact.
    func integrityCheck() async throws -> String {
        let output = try await ChildProcess.run(
            try ChildProcess.find("sqlite3"), ["-readonly", data.database, "PRAGMA integrity_check;"], timeout: .seconds(60))
        guard output.succeeded else { throw FixtureFailure("sqlite3 failed: \(output)") }
        return output.stdout.trimmingCharacters(in: .whitespacesAndNewlines)
    }

    /// Checkpoints gantryd's WAL into the database and truncates it to nothing
    /// (`PRAGMA wal_checkpoint(TRUNCATE)`), so that the next write must grow it: on a full disk,
    /// that write meets ENOSPC instead of reusing the WAL's space. Retried while a connection is busy.
    func truncateWAL() async throws {
        let sqlite3 = try ChildProcess.find("sqlite3")
        for _ in 0..<50 {
            let output = try await ChildProcess.run(sqlite3, [data.database, "PRAGMA wal_checkpoint(TRUNCATE);"], timeout: .seconds(30))
            // busy|log frames|checkpointed frames: 0|0|0 once the WAL is empty.
            if output.succeeded, output.stdout.trimmingCharacters(in: .whitespacesAndNewlines) == "0|0|0" { return }
            try await Task.sleep(for: .milliseconds(100))
        }
        throw FixtureFailure("the WAL of \(data.database) could not be truncated")
    }
}
