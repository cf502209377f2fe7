import Foundation
import GantryCore
import GantryGit
import GantryImage
import GantryTesting
import Glibc
import Testing

/// gantryd runs with umask 077; the exported tree — hence the app layer — must still have the
/// modes git says, so a commit gives one layer digest whatever the umask.
@Suite(.serialized) struct ExportModeTests {
    let root = FileManager.default.temporaryDirectory.appendingPathComponent("gantry-export-\(UUID().uuidString)").path

    func run(_ arguments: [String], in directory: String) async throws -> String {
        let result = try await Shell.run(
            "/usr/bin/git", ["-c", "user.name=Test", "-c", "user.email=test@example.com"] + arguments, directory: directory, errors: .inherited)
        try #require(result.status == 0, "git \(arguments) failed")
        return result.output.trimmingCharacters(in: .whitespacesAndNewlines)
    }

    /// Exports `commit` into a fresh `app` directory made under `mask`, then writes its layer.
    func layer(of commit: ObjectID, repository: Repository, umask mask: mode_t, name: String) throws -> (Layer, String) {
        let app = root + "/" + name + "/app"
        let previous = umask(mask)
        defer { umask(previous) }
        try FileManager.default.createDirectory(atPath: app, withIntermediateDirectories: true)
        try repository.export(commit, to: app)
        return (try LayerWriter(prefix: "app").write(directory: app, to: root + "/" + name + ".tar"), app)
    }

    func mode(_ path: String) -> mode_t {
        var info = stat()
        return lstat(path, &info) == 0 ? info.st_mode & 0o7777 : 0
    }

    @Test func aCommitGivesTheSameLayerUnderUmask077And022() async throws {
        defer { try? FileManager.default.removeItem(atPath: root) }
        let work = root + "/work"
        try FileManager.default.createDirectory(atPath: work + "/bin", withIntermediateDirectories: true)
        try Data("print('hi')\n".utf8).write(to: URL(fileURLWithPath: work + "/app.py"))
        try Data("#!/bin/sh\n".utf8).write(to: URL(fileURLWithPath: work + "/bin/run"))
        #expect(chmod(work + "/bin/run", 0o755) == 0)
        _ = try await run(["init", "-q"], in: work)
        _ = try await run(["add", "."], in: work)
        _ = try await run(["commit", "-q", "-m", "modes"], in: work)
        let commit = try ObjectID(try await run(["rev-parse", "HEAD"], in: work))
        Libgit2.initialize()
        let repository = try Repository.open(at: work + "/.git")

        let (open, openApp) = try layer(of: commit, repository: repository, umask: 0o022, name: "open")
        let (closed, closedApp) = try layer(of: commit, repository: repository, umask: 0o077, name: "closed")
        #expect(open == closed)
        for app in [openApp, closedApp] {
            #expect(mode(app) == 0o755)
            #expect(mode(app + "/bin") == 0o755)
            #expect(mode(app + "/bin/run") == 0o755)
            #expect(mode(app + "/app.py") == 0o644)
        }
    }
}
