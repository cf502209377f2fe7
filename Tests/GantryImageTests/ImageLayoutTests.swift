import Foundation
import Glibc
import Testing
@testable import GantryImage

@Suite struct ImageLayoutTests {
    var scratch: String { ScratchDirectory.path }
    var layoutPath: String { scratch + "/images" }

    func appConfig(commit: String = "5d6e7f8") -> ImageConfig {
        ImageConfig(
            environment: ["PATH": "/app/.venv/bin:/usr/bin:/bin", "LANG": "C.UTF-8"], workingDirectory: "/app",
            processTypes: ["web": "gunicorn app:app", "worker": "python worker.py"], buildpack: "python",
            stack: "bookworm-2026.11", commit: commit, exposedPorts: [8080])
    }

    /// A layout holding a base layer and an app layer, tagged `tag`.
    func writeApp(_ layout: ImageLayout, tag: String = "hello-build-1", commit: String = "5d6e7f8") async throws -> Image {
        try Tree.file(scratch + "/base/etc/os-release", "ID=debian\n")
        try Tree.app(at: scratch + "/app")
        let base = try await layout.addLayer(from: scratch + "/base")
        let app = try await layout.addLayer(from: scratch + "/app", prefix: "app")
        return try await layout.writeImage(layers: [base, app], config: appConfig(commit: commit), tag: tag)
    }

    func blobs() throws -> Set<String> {
        Set(try FileManager.default.contentsOfDirectory(atPath: layoutPath + "/blobs/sha256"))
    }

    @Test(.scratchDirectory) func createsAnEmptyLayout() throws {
        _ = try ImageLayout(root: layoutPath)
        #expect(try Tree.read(layoutPath + "/oci-layout") == #"{"imageLayoutVersion":"1.0.0"}"#)
        #expect(try Tree.read(layoutPath + "/index.json") == #"{"manifests":[],"mediaType":"application/vnd.oci.image.index.v1+json","schemaVersion":2}"#)
        _ = try ImageLayout(root: layoutPath + "/")  // opening it again keeps it
    }

    @Test(.scratchDirectory) func refusesALayoutOfAnotherVersion() throws {
        try Tree.file(layoutPath + "/oci-layout", #"{"imageLayoutVersion":"2.0.0"}"#)
        #expect(throws: ImageError.self) { try ImageLayout(root: layoutPath) }
    }

    @Test(.scratchDirectory) func writtenImageIsAcceptedBySkopeoAndUmoci() async throws {
        let layout = try ImageLayout(root: layoutPath)
        let image = try await writeApp(layout)

        let skopeo = try await command("/usr/bin/skopeo", ["inspect", "oci:\(layoutPath):hello-build-1"])
        try #require(skopeo.status == 0, "\(skopeo.error)")
        let inspected = try JSONSerialization.jsonObject(with: Data(skopeo.output.utf8)) as! [String: Any]
        #expect(inspected["Digest"] as? String == image.digest.description)
        #expect(inspected["Layers"] as? [String] == image.layers.map(\.digest.description))
        #expect((inspected["Labels"] as? [String: String])?["io.gantry.process.web"] == "gunicorn app:app")

        let stat = try await command("/usr/bin/umoci", ["stat", "--image", "\(layoutPath):hello-build-1", "--json"])
        #expect(stat.status == 0, "\(stat.error)")
        let tags = try await command("/usr/bin/umoci", ["ls", "--layout", layoutPath])
        #expect(tags.output.split(separator: "\n") == ["hello-build-1"])

        // Copying reads every blob and checks it against its digest.
        let copy = try await command("/usr/bin/skopeo", ["copy", "--quiet", "oci:\(layoutPath):hello-build-1", "dir:\(scratch)/copy"])
        #expect(copy.status == 0, "\(copy.error)")
        let unpack = try await command("/usr/bin/umoci", ["unpack", "--rootless", "--image", "\(layoutPath):hello-build-1", scratch + "/bundle"])
        #expect(unpack.status == 0, "\(unpack.error)")
        #expect(try Tree.read(scratch + "/bundle/rootfs/app/app.py") == "print('hello')\n")
    }

    @Test(.scratchDirectory) func imageReadsBackByTag() async throws {
        let layout = try ImageLayout(root: layoutPath)
        let written = try await writeApp(layout)
        let image = try #require(try await layout.image(tag: "hello-build-1"))
        #expect(image == written)
        #expect(image.processTypes == ["web": "gunicorn app:app", "worker": "python worker.py"])
        #expect(image.buildpack == "python" && image.stack == "bookworm-2026.11" && image.commit == "5d6e7f8")
        #expect(image.environment["LANG"] == "C.UTF-8")
        #expect(image.workingDirectory == "/app")
        #expect(image.config.rootfs.diffIDs == image.layers.map(\.digest))
        #expect(image.config.config.exposedPorts?.keys.sorted() == ["8080/tcp"])
        #expect(try await layout.image(tag: "missing") == nil)
        #expect(try await layout.tags() == ["hello-build-1"])
    }

    @Test(.scratchDirectory) func sameImageWrittenTwiceHasTheSameManifestDigest() async throws {
        let first = try await writeApp(try ImageLayout(root: layoutPath))
        try FileManager.default.removeItem(atPath: scratch + "/app")
        try FileManager.default.removeItem(atPath: scratch + "/base")
        let second = try await writeApp(try ImageLayout(root: scratch + "/other"))
        #expect(first.digest == second.digest)
        let manifest = try Tree.read(layoutPath + "/blobs/sha256/" + first.digest.hex)
        #expect(!manifest.contains("\\/"))
        #expect(manifest.contains(#""mediaType":"application/vnd.oci.image.manifest.v1+json""#))
    }

    @Test(.scratchDirectory) func writingATagAgainReplacesIt() async throws {
        let layout = try ImageLayout(root: layoutPath)
        let first = try await writeApp(layout, commit: "aaaaaaa")
        let second = try await layout.writeImage(layers: first.layers, config: appConfig(commit: "bbbbbbb"), tag: "hello-build-1")
        #expect(first.digest != second.digest)
        #expect(try await layout.image(tag: "hello-build-1")?.digest == second.digest)
        #expect(try await layout.tags() == ["hello-build-1"])
    }

    @Test(.scratchDirectory) func refusesInvalidTagsAndMissingLayers() async throws {
        let layout = try ImageLayout(root: layoutPath)
        let image = try await writeApp(layout)
        for tag in ["", "-x", "a b", "a//b", "x:", "UPPER/é"] {
            await #expect(throws: ImageError.invalidTag(tag)) { try await layout.writeImage(layers: image.layers, config: appConfig(), tag: tag) }
        }
        let missing = Layer(digest: Digest.of([1, 2, 3]), size: 3)
        await #expect(throws: ImageError.blobMissing(missing.digest)) {
            try await layout.writeImage(layers: [missing], config: appConfig(), tag: "x")
        }
    }

    @Test(.scratchDirectory) func garbageCollectionKeepsTaggedImagesAndRemovesOthers() async throws {
        let layout = try ImageLayout(root: layoutPath)
        let kept = try await writeApp(layout, tag: "hello-build-1")
        try Tree.file(scratch + "/app/app.py", "print('v2')\n")
        let app2 = try await layout.addLayer(from: scratch + "/app", prefix: "app")
        let dropped = try await layout.writeImage(layers: [kept.layers[0], app2], config: appConfig(commit: "v2"), tag: "hello-build-2")

        // Within the grace period, nothing unreferenced is deleted: only the tag goes.
        let early = try await layout.collectGarbage(keeping: ["hello-build-1"])
        #expect(early.removedTags == ["hello-build-2"] && early.removedBlobs.isEmpty)

        let report = try await layout.collectGarbage(keeping: ["hello-build-1"], gracePeriod: .zero)
        #expect(Set(report.removedBlobs) == [dropped.digest, dropped.configDigest, app2.digest])
        #expect(report.freedBytes > app2.size)
        #expect(try blobs() == Set(([kept.digest, kept.configDigest] + kept.layers.map(\.digest)).map(\.hex)))
        #expect(try await layout.image(tag: "hello-build-1") == kept)
        #expect(try await layout.image(tag: "hello-build-2") == nil)
        let skopeo = try await command("/usr/bin/skopeo", ["inspect", "oci:\(layoutPath):hello-build-1"])
        #expect(skopeo.status == 0, "\(skopeo.error)")
    }

    @Test(.scratchDirectory) func removeTagKeepsBlobsUntilCollected() async throws {
        let layout = try ImageLayout(root: layoutPath)
        let image = try await writeApp(layout)
        #expect(try await layout.removeTag("hello-build-1"))
        #expect(try await !layout.removeTag("hello-build-1"))
        #expect(layout.hasBlob(image.digest))
        try await layout.collectGarbage(keeping: [], gracePeriod: .zero)
        #expect(try blobs().isEmpty)
    }

    @Test(.scratchDirectory) func importingABlobWithTheWrongDigestFailsAndLeavesNothing() async throws {
        let layout = try ImageLayout(root: layoutPath)
        try Tree.file(scratch + "/blob", "some bytes")
        let wrong = Digest.of(Array("other bytes".utf8))
        await #expect(throws: ImageError.digestMismatch(path: scratch + "/blob", expected: wrong, actual: Digest.of(Array("some bytes".utf8)))) {
            try await layout.importBlob(file: scratch + "/blob", expectedDigest: wrong)
        }
        await #expect(throws: ImageError.sizeMismatch(path: scratch + "/blob", expected: 11, actual: 10)) {
            try await layout.importBlob(file: scratch + "/blob", expectedDigest: Digest.of(Array("some bytes".utf8)), expectedSize: 11)
        }
        #expect(try blobs().isEmpty)
    }

    @Test(.scratchDirectory) func importedBlobIsHardLinkedOnTheSameFileSystem() async throws {
        let layout = try ImageLayout(root: layoutPath)
        try Tree.file(scratch + "/blob", "some bytes")
        let digest = Digest.of(Array("some bytes".utf8))
        try await layout.importBlob(file: scratch + "/blob", expectedDigest: digest, expectedSize: 10)
        #expect(try Tree.status(layout.blobPath(digest)).st_ino == Tree.status(scratch + "/blob").st_ino)
        try await layout.importBlob(file: scratch + "/blob", expectedDigest: digest)  // already there: kept
        #expect(try blobs() == [digest.hex])
    }

    @Test func digestsParseOnlySha256() throws {
        let digest = try Digest("sha256:" + String(repeating: "ab", count: 32))
        #expect(digest.description.count == 71 && digest.short == "sha256:abababababab")
        #expect(throws: ImageError.self) { try Digest("sha512:" + String(repeating: "ab", count: 32)) }
        #expect(throws: ImageError.self) { try Digest("sha256:" + String(repeating: "AB", count: 32)) }
        #expect(Digest(hex: ".tmp-123") == nil)
    }
}
