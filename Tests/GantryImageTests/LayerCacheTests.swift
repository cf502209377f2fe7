import Foundation
import Glibc
import Testing
@testable import GantryImage

@Suite struct LayerCacheTests {
    var scratch: String { ScratchDirectory.path }

    @Test(.scratchDirectory) func unpacksALayerOnceUnderConcurrency() async throws {
        let layout = try ImageLayout(root: scratch + "/images")
        try Tree.app(at: scratch + "/app")
        let layer = try await layout.addLayer(from: scratch + "/app", prefix: "app")
        let cache = try LayerCache(root: scratch + "/layers", layout: layout)

        let paths = await withTaskGroup(of: String?.self) { group in
            for _ in 0..<16 { group.addTask { try? await cache.unpacked(layer) } }
            return await group.reduce(into: Set<String?>()) { $0.insert($1) }
        }
        let directory = scratch + "/layers/" + layer.digest.hex
        #expect(paths == [directory])
        #expect(await cache.unpackCount == 1)
        #expect(try await cache.unpacked(layer) == directory)
        #expect(await cache.unpackCount == 1)

        #expect(try Tree.read(directory + "/app/app.py") == "print('hello')\n")
        #expect(try Tree.status(directory + "/app/bin/run").st_mode & 0o7777 == 0o755)
        #expect(try Tree.status(directory + "/app/secrets/key").st_mode & 0o7777 == 0o600)
        #expect(try FileManager.default.destinationOfSymbolicLink(atPath: directory + "/app/current") == "app.py")
        #expect(try FileManager.default.contentsOfDirectory(atPath: scratch + "/layers") == [layer.digest.hex])
    }

    @Test(.scratchDirectory) func anUnpackedAppLayerIsGivenToTheAppsUserAndToTheNextOneThatRunsIt() async throws {
        let layout = try ImageLayout(root: scratch + "/images")
        try Tree.app(at: scratch + "/app")
        let layer = try await layout.addLayer(from: scratch + "/app", prefix: "app")
        let cache = try LayerCache(root: scratch + "/layers", layout: layout)
        let directory = try await cache.unpacked(layer, owner: 10_000_001)
        for path in ["/app", "/app/app.py", "/app/bin/run", "/app/secrets/key"] {
            let info = try Tree.status(directory + path)
            #expect(info.st_uid == 10_000_001 && info.st_gid == 10_000_001, "\(path)")
        }
        #expect(try Tree.status(directory).st_uid == 0, "the layer's root stays root's")
        // A second app built the same layer: it runs it now, so it owns it.
        _ = try await cache.unpacked(layer, owner: 10_000_002)
        #expect(try Tree.status(directory + "/app/app.py").st_uid == 10_000_002)
        #expect(await cache.unpackCount == 1)
    }

    @Test(.scratchDirectory) func theStackLayerIsItsRootfs() async throws {
        let stack = try makeStack(at: scratch + "/stack")
        let layout = try ImageLayout(root: scratch + "/images")
        try await layout.importStack(stack)
        let cache = try LayerCache(root: scratch + "/layers", layout: layout)
        await cache.register(stack)
        #expect(try await cache.unpacked(stack.layer) == stack.rootfs)
        #expect(await cache.unpackCount == 0)
    }

    @Test(.scratchDirectory) func aMissingOrBrokenBlobFailsAndLeavesNothing() async throws {
        let layout = try ImageLayout(root: scratch + "/images")
        let cache = try LayerCache(root: scratch + "/layers", layout: layout)
        let missing = Layer(digest: Digest.of([1]), size: 1)
        await #expect(throws: ImageError.blobMissing(missing.digest)) { try await cache.unpacked(missing) }

        let garbage = [UInt8](repeating: 0x41, count: 2048)
        try Tree.bytes(scratch + "/garbage", garbage)
        try await layout.importBlob(file: scratch + "/garbage", expectedDigest: Digest.of(garbage))
        let broken = Layer(digest: Digest.of(garbage), size: garbage.count)
        await #expect {
            try await cache.unpacked(broken)
        } throws: { error in
            guard case .unpackFailed(_, let reason)? = error as? ImageError else { return false }
            return reason.contains("tar failed")
        }
        #expect(try FileManager.default.contentsOfDirectory(atPath: scratch + "/layers").isEmpty)
    }
}

extension LayerCacheTests {
    @Test(.scratchDirectory) func pruneDeletesOnlyLayersNotKept() async throws {
        let layout = try ImageLayout(root: scratch + "/images")
        try Tree.file(scratch + "/one/a", "1")
        try Tree.file(scratch + "/two/b", "2")
        let one = try await layout.addLayer(from: scratch + "/one")
        let two = try await layout.addLayer(from: scratch + "/two")
        let cache = try LayerCache(root: scratch + "/layers", layout: layout)
        _ = try await cache.unpacked(one)
        _ = try await cache.unpacked(two)
        #expect(try await cache.prune(keeping: [one.digest]) == [two.digest])
        #expect(try FileManager.default.contentsOfDirectory(atPath: scratch + "/layers") == [one.digest.hex])
    }
}
