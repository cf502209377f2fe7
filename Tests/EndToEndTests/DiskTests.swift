import Crypto
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
            let v1 = try gantry.appLayer(ofImage: try #require(gantry.imageTags().first { $0.hasPrefix("kept-build-") }))
            try await repo.commit("v2", files: ["v.txt": "v2\n"])
            try #require(await repo.push(gantry.remote("kept"), ["main"]).succeeded)
            // With --keep-releases 1, v1's image and blobs went as v2 went live.
            #expect(!gantry.blobs().contains(v1.hex))
            let liveBlobs = try Set(gantry.liveImageBlobs(app: "kept"))

            // Left by an app destroyed by an older gantryd, and by a crash mid-build.
            let ghosts = [gantry.data.buildCaches + "/ghost", gantry.data.logs + "/ghost", gantry.data.scratch + "/build-ghost-7"]
            for ghost in ghosts {
                try FileManager.default.createDirectory(atPath: ghost, withIntermediateDirectories: true)
                try Data(count: 1_000_000).write(to: URL(fileURLWithPath: ghost + "/file"))
            }
            let orphanBlobs = try gantry.plantOrphanImage(tag: "ghost-build-7")
            let orphanLayer = gantry.data.layers + "/" + String(repeating: "ab", count: 32)
            try FileManager.default.createDirectory(atPath: orphanLayer + "/app", withIntermediateDirectories: true)

            let preview = try await gantry.api.collectGarbage(dryRun: true)
            #expect(preview.dryRun)
            let names = Set(preview.items.map(\.name))
            #expect(names.isSuperset(of: ["ghost-build-7", "cache/ghost", "logs/ghost", "tmp/build-ghost-7", "sha256:" + String(repeating: "ab", count: 32)]), "\(preview.items)")
            #expect(names.isSuperset(of: orphanBlobs.map { "sha256:" + $0 }), "\(preview.items)")
            #expect(preview.items.contains { $0.kind == "cache" && $0.bytes >= 1_000_000 })
            #expect(names.isDisjoint(with: liveBlobs.map { "sha256:" + $0 }), "a live blob listed")
            for ghost in ghosts + [orphanLayer] { #expect(FileManager.default.fileExists(atPath: ghost), "a dry run removed \(ghost)") }
            let cli = try await ChildProcess.run(
                try Templates.cli(), ["gc", "--dry-run", "--server", gantry.server],
                environment: ["GANTRY_TOKEN": gantry.token, "HOME": gantry.scratch.path, "PATH": "/usr/bin:/bin"], timeout: .seconds(30))
            #expect(cli.succeeded && cli.stdout.contains("cache/ghost") && cli.stdout.contains("Would reclaim"), "\(cli)")

            let reclaimed = try await gantry.api.collectGarbage(dryRun: false)
            #expect(Set(reclaimed.items.map(\.name)) == names)
            #expect(reclaimed.totalBytes >= 3_000_000)
            for ghost in ghosts + [orphanLayer] { #expect(!FileManager.default.fileExists(atPath: ghost), "\(ghost) kept") }
            #expect(try !gantry.imageTags().contains("ghost-build-7"))
            #expect(Set(gantry.blobs()).isDisjoint(with: orphanBlobs))
            #expect(Set(gantry.blobs()).isSuperset(of: liveBlobs))
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
            // The build directory goes in the background, after the push is answered.
            try await gantry.eventually("the build's workspace to be removed") { gantry.scratchEntries().isEmpty }
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

extension GantryDaemon {
    /// Writes an image gantryd never made — a config and a manifest blob, tagged `tag` in
    /// `index.json` — as a crash or an older gantryd could leave one.
    /// - Returns: the hex digests of its blobs.
    func plantOrphanImage(tag: String) throws -> [String] {
        func write(_ text: String) throws -> (hex: String, size: Int) {
            let data = Data(text.utf8)
            let hex = SHA256.hash(data: data).map { String(format: "%02x", $0) }.joined()
            try data.write(to: URL(fileURLWithPath: blobPath(hex)))
            return (hex, data.count)
        }
        let config = try write(#"{"architecture":"amd64","os":"linux","rootfs":{"type":"layers","diff_ids":[]},"config":{"Labels":{"orphan":"\#(tag)"}}}"#)
        let manifest = try write(#"{"schemaVersion":2,"mediaType":"application/vnd.oci.image.manifest.v1+json","config":{"mediaType":"application/vnd.oci.image.config.v1+json","digest":"sha256:\#(config.hex)","size":\#(config.size)},"layers":[]}"#)
        let indexURL = URL(fileURLWithPath: data.images + "/index.json")
        var index = try #require(try JSONSerialization.jsonObject(with: Data(contentsOf: indexURL)) as? [String: Any])
        var manifests = index["manifests"] as? [[String: Any]] ?? []
        manifests.append([
            "mediaType": "application/vnd.oci.image.manifest.v1+json", "digest": "sha256:" + manifest.hex, "size": manifest.size,
            "annotations": ["org.opencontainers.image.ref.name": tag],
        ])
        index["manifests"] = manifests
        try JSONSerialization.data(withJSONObject: index, options: [.sortedKeys]).write(to: indexURL)
        return [config.hex, manifest.hex]
    }
}
