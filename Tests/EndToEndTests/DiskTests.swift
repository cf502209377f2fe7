import Foundation
import GantryClient
import GantryCore
import Testing

/// Issue 10: gantryd's data directory is its own, and what it keeps on disk is bounded: a
/// destroyed app leaves nothing, `gantry gc` reclaims what nothing uses, a build that would
/// fill the disk is refused before it starts (real gantryd, git and runc).
@Suite(.serialized) struct DiskTests {
    @Test func theDataDirectoryIsPrivateAndSecretFilesAre0600RightAfterStart() async throws {
        try await withDaemon { gantry in
            #expect(gantry.mode(gantry.data.root) == 0o700)
            for file in [gantry.data.database, gantry.data.adminToken, gantry.data.sshHostKey] {
                #expect(gantry.mode(file) == 0o600, "\(file)")
            }
            for suffix in ["-wal", "-shm"] where FileManager.default.fileExists(atPath: gantry.data.database + suffix) {
                #expect(gantry.mode(gantry.data.database + suffix) == 0o600, "\(suffix)")
            }
            // Not chmodded after the fact: every file gantryd makes is 0600 from its first byte.
            let status = try String(contentsOfFile: "/proc/\(gantry.process.current.processIdentifier)/status", encoding: .utf8)
            #expect(status.split(separator: "\n").contains("Umask:\t0077"), "\(status)")
        }
    }

    @Test func destroyingAnAppLeavesNothingOfItOnDisk() async throws {
        try await withDaemon { gantry in
            let (tags, blobs) = (try gantry.imageTags(), gantry.blobs())
            try await gantry.createApp("gone")
            let repo = try await gantry.makeRepo("gone")
            try await repo.commit("start", files: ["v.txt": "v1\n"])
            try #require(await repo.push(gantry.remote("gone"), ["main"]).succeeded)
            try #require(FileManager.default.fileExists(atPath: gantry.data.logs + "/gone"))
            try #require(FileManager.default.fileExists(atPath: gantry.data.buildCaches + "/gone"))

            try await gantry.api.destroyApp("gone")

            #expect(!FileManager.default.fileExists(atPath: try gantry.repositoryPath("gone")))
            #expect(!FileManager.default.fileExists(atPath: gantry.data.buildCaches + "/gone"))
            #expect(!FileManager.default.fileExists(atPath: gantry.data.logs + "/gone"))
            #expect(try gantry.imageTags() == tags)
            #expect(gantry.blobs() == blobs)  // the stack's, shared by every app, stay
            #expect(gantry.unpackedLayers().isEmpty)
            try await gantry.eventually("its containers gone") { gantry.containers().isEmpty }
        }
    }

    @Test func gcDryRunListsWhatNothingUsesAndGcReclaimsIt() async throws {
        try await withDaemon(arguments: ["--keep-releases", "1"]) { gantry in
            try await gantry.createApp("kept")
            let repo = try await gantry.makeRepo("kept")
            try await repo.commit("v1", files: ["v.txt": "v1\n"])
            try #require(await repo.push(gantry.remote("kept"), ["main"]).succeeded)
            try await repo.commit("v2", files: ["v.txt": "v2\n"])
            try #require(await repo.push(gantry.remote("kept"), ["main"]).succeeded)
            // Left by an app destroyed by an older gantryd, and by a crash mid-build.
            let ghosts = [gantry.data.buildCaches + "/ghost", gantry.data.logs + "/ghost", gantry.data.scratch + "/build-ghost-7"]
            for ghost in ghosts {
                try FileManager.default.createDirectory(atPath: ghost, withIntermediateDirectories: true)
                try Data(count: 1_000_000).write(to: URL(fileURLWithPath: ghost + "/file"))
            }
            let liveBlobs = try Set(gantry.liveImageBlobs(app: "kept"))

            let preview = try await gantry.api.collectGarbage(dryRun: true)
            #expect(preview.dryRun)
            let kinds = Set(preview.items.map(\.kind))
            #expect(kinds.isSuperset(of: ["blob", "layer", "cache", "logs", "workspace"]), "\(preview.items)")
            #expect(preview.items.contains { $0.kind == "cache" && $0.name == "cache/ghost" && $0.bytes >= 1_000_000 })
            #expect(!preview.items.contains { liveBlobs.contains(String($0.name.dropFirst("sha256:".count))) }, "a live blob listed")
            for ghost in ghosts { #expect(FileManager.default.fileExists(atPath: ghost), "a dry run removed \(ghost)") }
            let cli = try await ChildProcess.run(
                try Templates.cli(), ["gc", "--dry-run", "--server", gantry.server],
                environment: ["GANTRY_TOKEN": gantry.token, "HOME": gantry.scratch.path, "PATH": "/usr/bin:/bin"], timeout: .seconds(30))
            #expect(cli.succeeded && cli.stdout.contains("cache/ghost") && cli.stdout.contains("Would reclaim"), "\(cli)")

            let reclaimed = try await gantry.api.collectGarbage(dryRun: false)
            #expect(Set(reclaimed.items.map(\.name)) == Set(preview.items.map(\.name)))
            #expect(reclaimed.totalBytes >= 3_000_000)
            for ghost in ghosts { #expect(!FileManager.default.fileExists(atPath: ghost), "\(ghost) kept") }
            #expect(try Set(gantry.blobs()).isSuperset(of: liveBlobs))
            #expect(try await gantry.get("kept", path: "/v.txt").text == "v2\n")
            #expect(try await gantry.api.collectGarbage(dryRun: true).items.isEmpty)
        }
    }

    @Test func aBuildIsRefusedWhenTheDiskHasNotEnoughFreeSpace() async throws {
        try await withDaemon(arguments: ["--min-free-mb", "1000000000"]) { gantry in
            let tags = try gantry.imageTags()
            try await gantry.createApp("full")
            let repo = try await gantry.makeRepo("full")
            try await repo.commit("start", files: ["v.txt": "v1\n"])
            let push = try await repo.push(gantry.remote("full"), ["main"])
            #expect(!push.succeeded)
            #expect(push.stderr.contains(" MB free, 1000000000 MB needed)"), "\(push.stderr)")
            #expect(push.stderr.contains("--min-free-mb"), "\(push.stderr)")
            #expect(try await gantry.serverRefs("full").isEmpty)
            #expect(try gantry.imageTags() == tags)
            #expect(gantry.scratchEntries().isEmpty)
        }
    }
}

extension GantryDaemon {
    /// The blobs (hex) of `app`'s live image: its manifest, config and layers.
    func liveImageBlobs(app: String) throws -> [String] {
        guard let tag = try imageTags().last(where: { $0.hasPrefix(app + "-build-") }) else { throw FixtureFailure("no image of \(app)") }
        let layer = try appLayer(ofImage: tag)
        return [layer.hex]
    }
}
