import Foundation
import GantryCore
import GantryGit
import GantryTesting
import Testing

@Suite struct ExportTests {
    @Test func exportsTheCommitTreeWithModesAndInnerSymlinks() async throws {
        let fixture = try await PushFixture()
        try FileManager.default.createDirectory(atPath: fixture.work + "/bin", withIntermediateDirectories: true)
        try "#!/bin/sh\necho hi\n".write(toFile: fixture.work + "/bin/run", atomically: true, encoding: .utf8)
        try FileManager.default.setAttributes([.posixPermissions: 0o755], ofItemAtPath: fixture.work + "/bin/run")
        try FileManager.default.createSymbolicLink(atPath: fixture.work + "/run", withDestinationPath: "bin/run")
        try await git(["add", "bin/run", "run"], in: fixture.work)
        let commit = try await fixture.commit("app.py", "print('hi')\n")
        _ = await fixture.receive([RefCommand(name: "refs/heads/main", old: .zero, new: commit)], pack: try await fixture.pack(commit))

        let target = fixture.directory.path + "/export"
        try Repository.open(at: fixture.bare).export(commit, to: target)
        #expect(try String(contentsOfFile: target + "/app.py", encoding: .utf8) == "print('hi')\n")
        #expect(FileManager.default.isExecutableFile(atPath: target + "/bin/run"))
        #expect(try FileManager.default.destinationOfSymbolicLink(atPath: target + "/run") == "bin/run")
        #expect(!FileManager.default.fileExists(atPath: target + "/.git"))
    }

    @Test(arguments: ["/etc/passwd", "../outside", "sub/../../x"])
    func refusesSymlinksLeavingTheTree(_ destination: String) async throws {
        let fixture = try await PushFixture()
        try FileManager.default.createSymbolicLink(atPath: fixture.work + "/link", withDestinationPath: destination)
        try await git(["add", "link"], in: fixture.work)
        let commit = try await fixture.commit("a.txt", "x")
        _ = await fixture.receive([RefCommand(name: "refs/heads/main", old: .zero, new: commit)], pack: try await fixture.pack(commit))
        #expect(throws: ExportError.unsafeSymlink(path: "link", target: destination)) {
            try Repository.open(at: fixture.bare).export(commit, to: fixture.directory.path + "/export")
        }
    }

    @Test func preReceiveCanExportQuarantinedObjects() async throws {
        let fixture = try await PushFixture()
        let commit = try await fixture.commit("a.txt", "from quarantine")
        let target = fixture.directory.path + "/export"
        let hooks = ReceivePackHooks(preReceive: { commands, objects, _, _ in
            do { try await objects.export(commands[0].new, to: target) } catch { return ["\(error)"] }
            return [nil]
        })
        let (results, _) = await fixture.receive([RefCommand(name: "refs/heads/main", old: .zero, new: commit)], pack: try await fixture.pack(commit), hooks: hooks)
        #expect(results == [.ok])
        #expect(try String(contentsOfFile: target + "/a.txt", encoding: .utf8) == "from quarantine")
    }
}

/// The export's symlink check resolves links as the kernel does, through the tree's other links.
@Suite struct SymlinkResolutionTests {
    func exportRefusal(_ links: [(String, String)]) async throws -> ExportError? {
        let fixture = try await PushFixture()
        for (path, target) in links {
            let directory = URL(fileURLWithPath: fixture.work + "/" + path).deletingLastPathComponent().path
            try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
            try FileManager.default.createSymbolicLink(atPath: fixture.work + "/" + path, withDestinationPath: target)
            try await git(["add", path], in: fixture.work)
        }
        let commit = try await fixture.commit("a.txt", "x")
        _ = await fixture.receive([RefCommand(name: "refs/heads/main", old: .zero, new: commit)], pack: try await fixture.pack(commit))
        do {
            try Repository.open(at: fixture.bare).export(commit, to: fixture.directory.path + "/export")
            return nil
        } catch let error as ExportError {
            return error
        }
    }

    @Test func aChainOfLinksThatEachLookInsideButLeadOutIsRefused() async throws {
        let refusal = try await exportRefusal([("a/b/c/l", "../../.."), ("Procfile", "a/b/c/l/../../../admin-token")])
        #expect(refusal == .unsafeSymlink(path: "Procfile", target: "a/b/c/l/../../../admin-token"))
    }

    @Test func aLinkThroughALinkToAnAbsolutePathIsRefused() async throws {
        let refusal = try await exportRefusal([("etc", "/etc"), ("passwd", "etc/passwd")])
        #expect(refusal != nil)
    }

    @Test func aLoopOfLinksIsRefused() async throws {
        let refusal = try await exportRefusal([("x", "y/z"), ("y", "x")])
        #expect(refusal != nil)
    }

    @Test func chainsThatStayInsideAreExported() async throws {
        let refusal = try await exportRefusal([
            ("a/b/c/l", "../../.."), ("readme", "a/b/c/l/a.txt"), ("up", "a/b/../b/c/l/a/b"), ("shared/x", "../a.txt"),
        ])
        #expect(refusal == nil)
    }
}

/// Trees nested deep enough to break a recursive walk or the kernel's path limit.
@Suite struct DeepTreeExportTests {
    @Test func aTreeWhosePathsAreLongerThanTheKernelTakesIsRefusedWithoutRecursing() async throws {
        let fixture = try await PushFixture()
        let first = try await fixture.commit("a.txt", "x")
        // 3,000 levels: under receive's nesting limit, but a 6,001-byte path.
        let path = Array(repeating: "d", count: 3_000).joined(separator: "/") + "/f"
        let stream = "commit refs/heads/deep\ncommitter T <t@example.com> 0 +0000\ndata 4\ndeep\nfrom \(first.hex)\n"
            + "M 100644 inline \(path)\ndata 2\nx\n\n"
        let work = fixture.work
        _ = try await git(["fast-import", "--quiet"], in: work, input: Array(stream.utf8), quiet: true)
        let deep = try await ObjectID(String(decoding: git(["rev-parse", "refs/heads/deep"], in: work), as: UTF8.self)
            .trimmingCharacters(in: .whitespacesAndNewlines))
        let pack = try await git(["pack-objects", "--stdout", "--revs", "-q"], in: work, input: Array("\(deep.hex)\n".utf8), quiet: true)
        let (results, _) = await fixture.receive([RefCommand(name: "refs/heads/main", old: .zero, new: deep)], pack: pack)
        try #require(results == [.ok])

        let refusal = #expect(throws: ExportError.self) { try Repository.open(at: fixture.bare).export(deep, to: fixture.directory.path + "/export") }
        #expect(refusal?.description.contains("is a path longer than 4095 bytes") == true, "\(String(describing: refusal))")
    }
}
