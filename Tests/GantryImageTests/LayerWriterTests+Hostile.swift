import Foundation
import Glibc
import Testing
@testable import GantryImage

/// A build's output is hostile: what it leaves in `/app` must not hurt the host or make the
/// layer unbounded once written.
@Suite struct HostileLayerTests {
    var scratch: String { ScratchDirectory.path }

    /// `tar -tvf` lines of the layer at `path`.
    func verboseList(_ path: String) async throws -> [String] {
        let result = try await command("/usr/bin/tar", ["--quoting-style=literal", "--numeric-owner", "-tvf", path])
        try #require(result.status == 0, "\(result.error)")
        return result.output.split(separator: "\n").map(String.init)
    }

    @Test(.scratchDirectory) func setuidSetgidAndWorldWriteBitsAreDroppedStickyKept() async throws {
        let root = scratch + "/app"
        try Tree.file(root + "/suid", "#!/bin/sh\n", mode: 0o4755)
        try Tree.file(root + "/sgid", "#!/bin/sh\n", mode: 0o2755)
        try Tree.file(root + "/open", "anyone", mode: 0o666)
        try Tree.directory(root + "/tmp", mode: 0o1777)
        try Tree.directory(root + "/shared", mode: 0o2777)
        _ = try LayerWriter(prefix: "app").write(directory: root, to: scratch + "/layer.tar")

        let out = scratch + "/out"
        try Tree.directory(out)
        let result = try await command("/usr/bin/tar", ["-x", "--numeric-owner", "-p", "-f", scratch + "/layer.tar", "-C", out])
        try #require(result.status == 0, "\(result.error)")
        #expect(try Tree.status(out + "/app/suid").st_mode & 0o7777 == 0o755)
        #expect(try Tree.status(out + "/app/sgid").st_mode & 0o7777 == 0o755)
        #expect(try Tree.status(out + "/app/open").st_mode & 0o7777 == 0o664)
        #expect(try Tree.status(out + "/app/tmp").st_mode & 0o7777 == 0o1775)
        #expect(try Tree.status(out + "/app/shared").st_mode & 0o7777 == 0o775)
    }

    @Test(.scratchDirectory) func deviceNodesAreNotWritten() async throws {
        let root = scratch + "/app"
        try Tree.file(root + "/kept", "x")
        // What a build running as root in its container could make: the host's disk (8:0) and memory (1:1).
        #expect(mknod(root + "/sda", S_IFBLK | 0o666, dev_t(8 << 8)) == 0)
        #expect(mknod(root + "/mem", S_IFCHR | 0o666, dev_t(1 << 8 | 1)) == 0)
        _ = try LayerWriter().write(directory: root, to: scratch + "/layer.tar")
        let entries = try await verboseList(scratch + "/layer.tar")
        #expect(entries.count == 1)
        #expect(entries.allSatisfy { !$0.hasPrefix("b") && !$0.hasPrefix("c") })
    }

    @Test(.scratchDirectory) func oneHundredThousandHardLinksStoreEachContentOnce() async throws {
        let scratch = scratch
        let root = scratch + "/app"
        try Tree.directory(root)
        try Tree.directory(root + "/links")
        // ext4 allows 65,000 names per file: two files with 50,000 names each.
        let contents = [[UInt8](repeating: 0x61, count: 1 << 20), [UInt8](repeating: 0x62, count: 1 << 20)]
        let linksPerFile = 50_000
        let linked = try await blocking {
            var failures = 0
            for (file, content) in contents.enumerated() {
                try Tree.bytes(root + "/big\(file)", content)
                for index in 0..<linksPerFile where link(root + "/big\(file)", root + "/links/\(file)-\(index)") != 0 { failures += 1 }
            }
            return failures
        }
        try #require(linked == 0, "\(linked) links could not be made")
        let (layer, again) = try await blocking {
            (try LayerWriter().write(directory: root, to: scratch + "/layer.tar"), try LayerWriter().write(directory: root, to: scratch + "/again.tar"))
        }
        // Each content once plus a header block per name: 2 MiB and ~50 MB, not 100,000 MiB.
        let names = contents.count * (linksPerFile + 1)
        #expect(layer.size < 2 << 20 + (names + 10) * TarHeader.blockSize)
        #expect(try LayerWriter.contentSize(of: root) == 2 << 20)
        // The first name in entry order (`big0`, `big1` sort before `links/`) is the file.
        let entries = try await verboseList(scratch + "/layer.tar")
        #expect(entries.filter { $0.hasPrefix("-") }.map { $0.split(separator: " ").last! } == ["big0", "big1"])
        #expect(entries.filter { $0.hasPrefix("h") }.count == contents.count * linksPerFile)
        // Reproducible: written again, the same bytes.
        #expect(again == layer)
    }

    @Test(.scratchDirectory) func sparseFilesKeepTheirDataAndHoles() async throws {
        let root = scratch + "/app"
        try Tree.directory(root)
        let path = root + "/sparse"
        let fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0o644)
        try #require(fd >= 0)
        let size = 64 << 20
        #expect(pwrite(fd, "head", 4, 0) == 4)
        #expect(pwrite(fd, "middle", 6, 20 << 20) == 6)
        #expect(pwrite(fd, "tail", 4, off_t(size - 4)) == 4)
        close(fd)
        #expect(try Tree.status(path).st_blocks * 512 < 1 << 20)  // sparse on disk

        _ = try LayerWriter().write(directory: root, to: scratch + "/layer.tar")
        let out = scratch + "/out"
        try Tree.directory(out)
        let result = try await command("/usr/bin/tar", ["-x", "-f", scratch + "/layer.tar", "-C", out])
        try #require(result.status == 0, "\(result.error)")
        let original = try Data(contentsOf: URL(fileURLWithPath: path))
        let extracted = try Data(contentsOf: URL(fileURLWithPath: out + "/sparse"))
        #expect(extracted.count == size)
        #expect(extracted == original)
    }

    @Test(.scratchDirectory) func aOneTerabyteSparseFileIsMeasuredWithoutReadingIt() async throws {
        let root = scratch + "/app"
        try Tree.file(root + "/small", "x")
        let path = root + "/huge"
        let fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0o644)
        try #require(fd >= 0)
        try #require(ftruncate(fd, 1 << 40) == 0)
        close(fd)
        let clock = ContinuousClock()
        var size = 0
        let elapsed = try clock.measure { size = try LayerWriter.contentSize(of: root, stoppingAbove: 2048 * 1_000_000) }
        #expect(size > 2048 * 1_000_000)
        #expect(elapsed < .seconds(5))  // reading it would take hours
    }

    @Test(.scratchDirectory) func contentSizeCountsApparentSizesAndLinksOnce() async throws {
        let root = scratch + "/app"
        try Tree.file(root + "/a", String(repeating: "a", count: 1000))
        try Tree.file(root + "/sub/b", String(repeating: "b", count: 500))
        #expect(link(root + "/a", root + "/sub/a-again") == 0)
        try Tree.symlink(root + "/link", to: "a")
        #expect(try LayerWriter.contentSize(of: root) == 1500)
        #expect(try LayerWriter.contentSize(of: root, stoppingAbove: 100) > 100)
    }

    @Test func appTooLargeNamesTheLimitAndTheVar() {
        let error = BuildError.appTooLarge(size: 1 << 40, limit: 2048 * 1_000_000)
        #expect(error.description.contains("GANTRY_MAX_APP_MB=2048"))
        #expect(error.description.contains("1099511 MB"))
        #expect(error.rejection == "app over GANTRY_MAX_APP_MB=2048")
    }

    @Test func diskFullSaysWhatIsFreeAndWhatIsNeeded() {
        let error = BuildError.diskFull(free: 500_000_000, needed: 1_000_000_000)
        #expect(error.rejection == "500 MB free, 1000 MB needed")
        #expect(error.description.contains("--min-free-mb"))
    }
}

extension HostileLayerTests {
    @Test(.scratchDirectory) func sanitizingLeavesTheTreeItsLayerHolds() async throws {
        let root = scratch + "/app"
        try Tree.file(root + "/suid", "#!/bin/sh\n", mode: 0o4755)
        try Tree.file(root + "/sub/open", "anyone", mode: 0o666)
        try Tree.directory(root + "/tmp", mode: 0o1777)
        try Tree.symlink(root + "/link", to: "/etc/passwd")
        #expect(mknod(root + "/sub/mem", S_IFCHR | 0o666, dev_t(1 << 8 | 1)) == 0)
        #expect(mkfifo(root + "/fifo", 0o644) == 0)
        #expect(chmod(root, 0o777) == 0)
        let before = try LayerWriter(prefix: "app").write(directory: root, to: scratch + "/before.tar")
        try LayerWriter.sanitize(root)
        #expect(try Tree.status(root).st_mode & 0o7777 == 0o775)
        #expect(try Tree.status(root + "/suid").st_mode & 0o7777 == 0o755)
        #expect(try Tree.status(root + "/sub/open").st_mode & 0o7777 == 0o664)
        #expect(try Tree.status(root + "/tmp").st_mode & 0o7777 == 0o1775)
        #expect(!FileManager.default.fileExists(atPath: root + "/sub/mem"))
        #expect(!FileManager.default.fileExists(atPath: root + "/fifo"))
        #expect(try FileManager.default.destinationOfSymbolicLink(atPath: root + "/link") == "/etc/passwd")
        #expect(FileManager.default.fileExists(atPath: "/etc/passwd"))  // the link's target untouched
        // The layer of the sanitized tree is the same: it holds what the layer held.
        #expect(try LayerWriter(prefix: "app").write(directory: root, to: scratch + "/after.tar") == before)
    }
}

/// A build can nest directories without end: every walk of what it wrote stops at
/// `DirectoryEntry.maximumDepth` instead of overflowing its thread's stack.
@Suite struct DeepTreeTests {
    /// `levels` nested directories `d/d/d/…` under `root`, made with relative `mkdirat`s as a
    /// build's shell would: no path longer than one name is ever used.
    static func nest(_ levels: Int, under root: String) throws {
        var fd = open(root, O_RDONLY | O_DIRECTORY)
        try #require(fd >= 0)
        for _ in 0..<levels {
            try #require(mkdirat(fd, "d", 0o755) == 0)
            let next = openat(fd, "d", O_RDONLY | O_DIRECTORY)
            close(fd)
            fd = next
            try #require(fd >= 0)
        }
        close(fd)
    }

    @Test(.scratchDirectory) func everyWalkRefusesATreeNestedPastTheLimit() async throws {
        let root = ScratchDirectory.path + "/app"
        let output = ScratchDirectory.path + "/layer.tar"
        try Tree.directory(root)
        try await blocking { try Self.nest(3_000, under: root) }  // 6,000-byte paths: past PATH_MAX too

        let expectations: [(String, () throws -> Void)] = [
            ("contentSize", { _ = try LayerWriter.contentSize(of: root) }),
            ("sanitize", { try LayerWriter.sanitize(root) }),
            ("write", { _ = try LayerWriter().write(directory: root, to: output) }),
        ]
        for (walk, body) in expectations {
            let refusal = #expect(throws: ImageError.self, "\(walk)") { try body() }
            #expect(refusal?.description.hasSuffix("nests directories more than 1024 levels deep") == true, "\(walk): \(String(describing: refusal))")
        }
        #expect(DiskUsage.bytes(of: root) > 0)
        #expect(!FileManager.default.fileExists(atPath: output), "no partial layer")

        try await blocking { UntrustedTree.remove(root) }  // runs and waits for rm -rf
        #expect(!FileManager.default.fileExists(atPath: root), "removed whatever its depth")
    }

    @Test(.scratchDirectory) func aTreeAtTheLimitIsWritten() async throws {
        let root = ScratchDirectory.path + "/app"
        try Tree.directory(root)
        try await blocking { try Self.nest(DirectoryEntry.maximumDepth, under: root) }
        #expect(try LayerWriter.contentSize(of: root) == 0)
        _ = try LayerWriter().write(directory: root, to: ScratchDirectory.path + "/layer.tar")
    }
}
