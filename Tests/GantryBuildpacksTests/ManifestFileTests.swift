import Foundation
import GantryBuildpacks
import GantryTesting
import Glibc
import Testing

/// `ManifestFile`: a manifest is read only as a regular file of at most 1 MiB inside its
/// tree, and a refusal never quotes the file.
@Suite struct ManifestFileTests {
    var root: String { ScratchDirectory.path + "/app" }
    let secret = "gantry_secret_token_0e96"

    /// The app directory and, beside it, a file no manifest may reach.
    func makeTree() throws {
        try FileManager.default.createDirectory(atPath: ScratchDirectory.path + "/app", withIntermediateDirectories: true)
        try "\(secret)\n".write(toFile: ScratchDirectory.path + "/admin-token", atomically: true, encoding: .utf8)
    }

    func refusal(_ path: String = "Procfile", maximumSize: Int = ManifestFile.maximumSize) -> String? {
        do {
            _ = try ManifestFile.read(path, in: root, maximumSize: maximumSize)
            return nil
        } catch {
            return error.description
        }
    }

    @Test(.scratchDirectory) func readsARegularFileAndAnswersNilForAMissingOne() throws {
        try makeTree()
        try "web: run\n".write(toFile: root + "/Procfile", atomically: true, encoding: .utf8)
        #expect(try ManifestFile.read("Procfile", in: root) == Array("web: run\n".utf8))
        #expect(try ManifestFile.read("app.json", in: root) == nil)
        #expect(try ManifestFile.read("missing/app.json", in: root) == nil)
    }

    @Test(.scratchDirectory) func refusesASymlinkEvenOneThatStaysInside() throws {
        try makeTree()
        try "web: run\n".write(toFile: root + "/real", atomically: true, encoding: .utf8)
        try FileManager.default.createSymbolicLink(atPath: root + "/Procfile", withDestinationPath: "real")
        #expect(refusal() == "Procfile is a symbolic link; it must be a regular file")
    }

    @Test(.scratchDirectory) func refusesAPathThroughALinkedDirectory() throws {
        try makeTree()
        try FileManager.default.createSymbolicLink(atPath: root + "/release", withDestinationPath: "..")
        let message = try #require(refusal("release/admin-token"))
        #expect(message.contains("through a symbolic link") && !message.contains(secret), "\(message)")
    }

    @Test(.scratchDirectory) func refusesAFIFOWithoutWaitingForAWriter() throws {
        try makeTree()
        let made = mkfifo(root + "/app.json", 0o644)
        #expect(made == 0)
        #expect(refusal("app.json") == "app.json is a FIFO; it must be a regular file")
    }

    @Test(.scratchDirectory) func refusesADeviceWithoutOpeningIt() throws {
        try makeTree()
        let mode: mode_t = S_IFCHR | 0o644
        let made = mknod(root + "/Procfile", mode, dev_t(0x105))  // /dev/zero's twin: 1, 5
        #expect(made == 0)
        #expect(refusal() == "Procfile is a device; it must be a regular file")
    }

    @Test(.scratchDirectory) func refusesADirectoryAndAFileOverTheLimitWithoutQuotingIt() throws {
        try makeTree()
        try FileManager.default.createDirectory(atPath: root + "/app.json", withIntermediateDirectories: true)
        #expect(refusal("app.json") == "app.json is a directory; it must be a regular file")
        try String(repeating: secret, count: 100).write(toFile: root + "/Procfile", atomically: true, encoding: .utf8)
        #expect(refusal(maximumSize: 1024) == "Procfile is over 1024 bytes")
        #expect(ManifestFile.maximumSize == 1 << 20)
    }

    @Test(.scratchDirectory) func aFileOfExactlyOneMebibyteIsReadAndOneByteMoreIsRefused() throws {
        try makeTree()
        try Data(count: ManifestFile.maximumSize).write(to: URL(fileURLWithPath: root + "/app.json"))
        #expect(try ManifestFile.read("app.json", in: root)?.count == ManifestFile.maximumSize)
        try Data(count: ManifestFile.maximumSize + 1).write(to: URL(fileURLWithPath: root + "/app.json"))
        #expect(refusal("app.json") == "app.json is over 1 MiB")
    }
}
