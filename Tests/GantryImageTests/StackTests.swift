import Foundation
import Glibc
import Testing
@testable import GantryImage

/// A small stack as `make stack` lays it out: `rootfs/`, `layer.tar` (written by `LayerWriter`)
/// and `stack.json`.
@discardableResult
func makeStack(at directory: String, name: String = "bookworm-test", digest: String? = nil) throws -> Stack {
    try Tree.file(directory + "/rootfs/etc/os-release", "ID=debian\n")
    try Tree.file(directory + "/rootfs/usr/bin/hello", "#!/bin/sh\necho hello\n", mode: 0o755)
    try Tree.symlink(directory + "/rootfs/bin", to: "usr/bin")
    let layer = try LayerWriter().write(directory: directory + "/rootfs", to: directory + "/layer.tar")
    let json = #"{"name": "\#(name)", "digest": "\#(digest ?? layer.digest.description)", "size": \#(layer.size), "packages": ["python3"]}"#
    try Tree.file(directory + "/stack.json", json)
    return try Stack.load(from: directory)
}

@Suite struct StackTests {
    var scratch: String { ScratchDirectory.path }

    @Test(.scratchDirectory) func loadingAMissingStackSaysToRunMakeStack() throws {
        #expect(throws: ImageError.stackMissing(directory: scratch + "/.stack")) { try Stack.load(from: scratch + "/.stack") }
        #expect(ImageError.stackMissing(directory: "/x/.stack").description == "no stack at /x/.stack: run `make stack`")
    }

    @Test(.scratchDirectory) func loadingRefusesAnIncompleteStack() throws {
        let stack = try makeStack(at: scratch + "/stack")
        #expect(stack.name == "bookworm-test" && stack.tag == "stack:bookworm-test")
        #expect(stack.rootfs == scratch + "/stack/rootfs")
        try Tree.bytes(scratch + "/stack/layer.tar", [0, 1, 2])
        #expect(throws: ImageError.self) { try Stack.load(from: scratch + "/stack") }
        try FileManager.default.removeItem(atPath: scratch + "/stack/rootfs")
        #expect(throws: ImageError.self) { try Stack.load(from: scratch + "/stack") }
        try Tree.file(scratch + "/stack/stack.json", "not json")
        #expect(throws: ImageError.self) { try Stack.load(from: scratch + "/stack") }
    }

    @Test(.scratchDirectory) func importLinksTheLayerAndTagsTheStackImage() async throws {
        let stack = try makeStack(at: scratch + "/stack")
        let layout = try ImageLayout(root: scratch + "/images")
        let image = try await layout.importStack(stack)
        #expect(image.tag == "stack:bookworm-test")
        #expect(image.layers == [stack.layer])
        #expect(image.stack == "bookworm-test")
        #expect(try Tree.status(layout.blobPath(stack.digest)).st_ino == Tree.status(stack.layerArchive).st_ino)
        #expect(FileManager.default.fileExists(atPath: scratch + "/images/.gantry/verified/" + stack.digest.hex))
        #expect(try await layout.image(tag: stack.tag) == image)

        let skopeo = try await command("/usr/bin/skopeo", ["inspect", "oci:\(scratch)/images:stack:bookworm-test"])
        #expect(skopeo.status == 0, "\(skopeo.error)")
        let umoci = try await command("/usr/bin/umoci", ["stat", "--image", "\(scratch)/images:stack:bookworm-test"])
        #expect(umoci.status == 0, "\(umoci.error)")

        // Importing again (every start of gantryd) gives the same image.
        #expect(try await layout.importStack(stack) == image)
    }

    @Test(.scratchDirectory) func importTrustsItsVerificationUntilTheBlobChanges() async throws {
        let stack = try makeStack(at: scratch + "/stack")
        let layout = try ImageLayout(root: scratch + "/images")
        try await layout.importStack(stack)

        // Rewritten in place with the same size and mtime: the marker still matches, so the
        // next import does not hash the file again (the documented trade-off).
        let mtime = try Tree.status(stack.layerArchive).st_mtim
        var bytes = try [UInt8](Data(contentsOf: URL(fileURLWithPath: stack.layerArchive)))
        bytes[600] ^= 0xff
        let fd = open(stack.layerArchive, O_WRONLY)
        #expect(pwrite(fd, &bytes[600], 1, 600) == 1)
        close(fd)
        try Tree.touch(stack.layerArchive, seconds: mtime.tv_sec, nanoseconds: mtime.tv_nsec)
        try await layout.importStack(stack)

        // Once its mtime changes, the blob is hashed again and the damage found.
        try Tree.touch(stack.layerArchive, seconds: mtime.tv_sec + 1)
        await #expect(throws: ImageError.self) { try await layout.importStack(stack) }
        #expect(!layout.hasBlob(stack.digest))
    }

    @Test(.scratchDirectory) func importRefusesALayerThatDoesNotMatchStackJSON() async throws {
        let wrong = Digest.of([1, 2, 3])
        let stack = try makeStack(at: scratch + "/stack", digest: wrong.description)
        let layout = try ImageLayout(root: scratch + "/images")
        await #expect {
            try await layout.importStack(stack)
        } throws: { error in
            guard case .invalidStack(_, let reason)? = error as? ImageError else { return false }
            return reason.contains("stack.json says \(wrong)")
        }
        #expect(try FileManager.default.contentsOfDirectory(atPath: scratch + "/images/blobs/sha256").isEmpty)
        #expect(try await layout.tags().isEmpty)
    }
}
