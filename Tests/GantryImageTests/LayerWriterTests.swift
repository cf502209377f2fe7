import Foundation
import Glibc
import Testing
@testable import GantryImage

@Suite struct LayerWriterTests {
    var scratch: String { ScratchDirectory.path }

    func write(_ directory: String, prefix: String = "", to name: String) throws -> Layer {
        try LayerWriter(prefix: prefix).write(directory: directory, to: scratch + "/" + name)
    }

    func list(_ tar: String) async throws -> [String] {
        let result = try await command("/usr/bin/tar", ["--quoting-style=literal", "-tf", tar])
        try #require(result.status == 0, "\(result.error)")
        return result.output.split(separator: "\n").map(String.init)
    }

    func extract(_ tar: String, into directory: String) async throws {
        try Tree.directory(directory)
        let result = try await command("/usr/bin/tar", ["-x", "--numeric-owner", "-p", "-f", tar, "-C", directory])
        try #require(result.status == 0, "\(result.error)")
    }

    @Test(.scratchDirectory) func sameDirectoryWrittenTwiceGivesSameDigest() async throws {
        try Tree.app(at: scratch + "/app")
        let first = try write(scratch + "/app", to: "first.tar")
        let second = try write(scratch + "/app", to: "second.tar")
        #expect(first == second)
        #expect(try Data(contentsOf: URL(fileURLWithPath: scratch + "/first.tar")) == Data(contentsOf: URL(fileURLWithPath: scratch + "/second.tar")))
        #expect(first.diffID == first.digest)
        #expect(first.mediaType == "application/vnd.oci.image.layer.v1.tar")
    }

    @Test(.scratchDirectory) func mtimesOwnersAndCreationOrderDoNotChangeDigest() async throws {
        try Tree.app(at: scratch + "/a")
        // The same tree made in the opposite order, with other times and owners.
        let b = scratch + "/b"
        try Tree.directory(b)
        try Tree.symlink(b + "/current", to: "app.py")
        try Tree.file(b + "/secrets/key", "s3cret", mode: 0o600)
        try Tree.file(b + "/bin/run", "#!/bin/sh\necho run\n", mode: 0o755)
        try Tree.file(b + "/app.py", "print('hello')\n")
        try Tree.file(b + "/Procfile", "web: gunicorn app:app\n")
        for path in ["/current", "/secrets/key", "/secrets", "/bin/run", "/app.py", "/Procfile", ""] {
            try Tree.touch(b + path, seconds: 1_234_567_890)
            #expect(lchown(b + path, 1234, 5678) == 0)
        }
        #expect(try write(scratch + "/a", to: "a.tar") == write(b, to: "b.tar"))
    }

    @Test(.scratchDirectory) func changingOneByteChangesDigest() async throws {
        try Tree.app(at: scratch + "/app")
        let before = try write(scratch + "/app", to: "before.tar")
        try Tree.file(scratch + "/app/app.py", "print('hellO')\n")
        let after = try write(scratch + "/app", to: "after.tar")
        #expect(before.digest != after.digest)
        #expect(before.size == after.size)
    }

    @Test(.scratchDirectory) func changingOnlyAModeChangesDigest() async throws {
        try Tree.app(at: scratch + "/app")
        let before = try write(scratch + "/app", to: "before.tar")
        #expect(chmod(scratch + "/app/app.py", 0o640) == 0)
        #expect(try write(scratch + "/app", to: "after.tar").digest != before.digest)
    }

    @Test(.scratchDirectory) func digestIsSha256OfTheWrittenFile() async throws {
        try Tree.app(at: scratch + "/app")
        let layer = try write(scratch + "/app", to: "layer.tar")
        let sum = try await command("/usr/bin/sha256sum", [scratch + "/layer.tar"])
        #expect(sum.output.prefix(64) == Substring(layer.digest.hex))
        #expect(try Tree.status(scratch + "/layer.tar").st_size == layer.size)
        #expect(layer.size % 512 == 0)
    }

    @Test(.scratchDirectory) func entriesAreSortedByNameInByteOrder() async throws {
        let root = scratch + "/tree"
        for name in ["b", "a-c", "a/b", "a/a", "B", "é", "a.txt"] { try Tree.file(root + "/" + name, name) }
        _ = try write(root, to: "layer.tar")
        let names = try await list(scratch + "/layer.tar")
        #expect(names == ["B", "a-c", "a.txt", "a/", "a/a", "a/b", "b", "é"])
        #expect(names.map { Array($0.utf8) } == names.map { Array($0.utf8) }.sorted { $0.lexicographicallyPrecedes($1) })
    }

    @Test(.scratchDirectory) func longNamesAndSymlinksRoundTripThroughTar() async throws {
        let root = scratch + "/tree"
        let longComponent = String(repeating: "n", count: 150)
        let deep = (1...12).map { "directory\($0)" }.joined(separator: "/")
        let longTarget = "../" + String(repeating: "t", count: 120)
        try Tree.file(root + "/" + longComponent, "long name")
        try Tree.file(root + "/" + deep + "/file.txt", "deep", mode: 0o640)
        try Tree.file(root + "/tool", "#!/bin/sh\n", mode: 0o4755)
        try Tree.symlink(root + "/link", to: "tool")
        try Tree.symlink(root + "/long-link", to: longTarget)
        try Tree.symlink(root + "/absolute", to: "/etc/passwd")
        try Tree.directory(root + "/private", mode: 0o700)

        let layer = try write(root, prefix: "app", to: "layer.tar")
        let names = try await list(scratch + "/layer.tar")
        #expect(names.first == "app/")
        #expect(names.contains("app/" + longComponent))
        #expect(names.contains("app/" + deep + "/file.txt"))

        let out = scratch + "/out"
        try await extract(scratch + "/layer.tar", into: out)
        #expect(try Tree.read(out + "/app/" + longComponent) == "long name")
        #expect(try Tree.read(out + "/app/" + deep + "/file.txt") == "deep")
        #expect(try Tree.status(out + "/app/" + deep + "/file.txt").st_mode & 0o7777 == 0o640)
        #expect(try Tree.status(out + "/app/tool").st_mode & 0o7777 == 0o755)  // no setuid in a layer
        #expect(try Tree.status(out + "/app/private").st_mode & 0o7777 == 0o700)
        #expect(try FileManager.default.destinationOfSymbolicLink(atPath: out + "/app/link") == "tool")
        #expect(try FileManager.default.destinationOfSymbolicLink(atPath: out + "/app/long-link") == longTarget)
        #expect(try FileManager.default.destinationOfSymbolicLink(atPath: out + "/app/absolute") == "/etc/passwd")
        let extracted = try Tree.status(out + "/app/tool")
        #expect(extracted.st_mtim.tv_sec == LayerWriter.modificationTime)
        #expect(extracted.st_uid == 0 && extracted.st_gid == 0)

        // The extracted tree, archived again, is the same layer.
        #expect(try write(out + "/app", prefix: "app", to: "again.tar") == layer)
    }

    @Test(.scratchDirectory) func prefixParentsAreWrittenBeforeTheTree() async throws {
        try Tree.app(at: scratch + "/app")
        _ = try write(scratch + "/app", prefix: "/workspace/app/", to: "layer.tar")
        let names = try await list(scratch + "/layer.tar")
        #expect(Array(names.prefix(3)) == ["workspace/", "workspace/app/", "workspace/app/Procfile"])
        #expect(throws: ImageError.invalidPrefix("../app")) { try LayerWriter(prefix: "../app") }
    }

    @Test(.scratchDirectory) func laterNamesOfAFileBecomeHardLinksAndSpecialFilesAreSkipped() async throws {
        let root = scratch + "/tree"
        try Tree.file(root + "/original", "shared")
        #expect(link(root + "/original", root + "/hardlink") == 0)
        #expect(mkfifo(root + "/fifo", 0o644) == 0)
        _ = try write(root, to: "layer.tar")
        #expect(try await list(scratch + "/layer.tar") == ["hardlink", "original"])
        try await extract(scratch + "/layer.tar", into: scratch + "/out")
        #expect(try Tree.read(scratch + "/out/original") == "shared")
        // The first name in entry order holds the content, the later one links to it.
        #expect(try Tree.status(scratch + "/out/original").st_nlink == 2)
        #expect(try Tree.status(scratch + "/out/hardlink").st_ino == Tree.status(scratch + "/out/original").st_ino)
    }

    @Test(.scratchDirectory) func symlinkedDirectoriesAreNotFollowed() async throws {
        let root = scratch + "/tree"
        try Tree.file(scratch + "/outside/secret", "outside")
        try Tree.directory(root)
        try Tree.symlink(root + "/escape", to: scratch + "/outside")
        _ = try write(root, to: "layer.tar")
        #expect(try await list(scratch + "/layer.tar") == ["escape"])
    }

    @Test(.scratchDirectory) func largeFilesAreStreamedIntact() async throws {
        let root = scratch + "/tree"
        let bytes = (0..<(3 << 20) + 123).map { UInt8(truncatingIfNeeded: $0 &* 31 &+ $0 >> 11) }
        try Tree.directory(root)
        try Tree.bytes(root + "/big.bin", bytes)
        _ = try write(root, to: "layer.tar")
        try await extract(scratch + "/layer.tar", into: scratch + "/out")
        #expect(try Data(contentsOf: URL(fileURLWithPath: scratch + "/out/big.bin")) == Data(bytes))
    }

    @Test(.scratchDirectory) func failedWriteLeavesNoFile() async throws {
        #expect(throws: ImageError.self) { try write(scratch + "/missing", to: "layer.tar") }
        #expect(!FileManager.default.fileExists(atPath: scratch + "/layer.tar"))
    }
}

@Suite struct TarHeaderTests {
    func text(_ bytes: [UInt8]) -> String { String(decoding: bytes, as: UTF8.self) }

    @Test func shortEntryIsOneUstarBlock() {
        let header = TarHeader(name: Array("app/app.py".utf8), kind: .regularFile, mode: 0o644, size: 15).encoded()
        #expect(header.count == 512)
        #expect(text(Array(header[257..<263])) == "ustar\0")
        #expect(text(Array(header[124..<136])) == "00000000017\0")
        #expect(text(Array(header[136..<148])) == String(LayerWriter.modificationTime, radix: 8).leftPadded(11) + "\0")
        let checksum = header.enumerated().reduce(0) { $0 + Int((148..<156).contains($1.offset) ? 32 : $1.element) }
        #expect(text(Array(header[148..<155])) == String(checksum, radix: 8).leftPadded(6) + "\0")
    }

    @Test func sizesOver8GiBUsePaxRecords() {
        let size = 9 << 30
        let header = TarHeader(name: Array("huge".utf8), kind: .regularFile, mode: 0o644, size: size).encoded()
        #expect(header.count == 3 * 512)
        #expect(header[156] == UInt8(ascii: "x"))
        #expect(text(Array(header[512..<512 + 19])) == "19 size=\(size)\n")
        #expect(text(Array(header[1024 + 124..<1024 + 136])) == "00000000000\0")
    }

    @Test func paxRecordLengthsCountTheirOwnDigits() {
        #expect(TarHeader(name: Array(String(repeating: "a", count: 100).utf8), kind: .regularFile, mode: 0o644).encoded().count == 512)
        // Record lengths on both sides of 999/1000, where the length gains a digit.
        for length in [101, 150, 988, 989, 990, 991, 992] {
            let name = Array(String(repeating: "a", count: length).utf8)
            let header = TarHeader(name: name, kind: .regularFile, mode: 0o644).encoded()
            let body = Array(header[512...])
            let digits = text(Array(body.prefix { $0 != UInt8(ascii: " ") }))
            let recordLength = Int(digits)!
            #expect(recordLength == digits.count + " path=".count + length + "\n".count)
            #expect(body[recordLength - 1] == UInt8(ascii: "\n"))
        }
    }
}

extension String {
    func leftPadded(_ width: Int) -> String { String(repeating: "0", count: max(0, width - count)) + self }
}
