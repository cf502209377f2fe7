import Foundation
import Glibc
import Testing
@_exported import GantryTesting

/// Runs `executable` with an argument array (no shell, off the cooperative pool) and collects
/// its standard output and error.
@discardableResult
func command(_ executable: String, _ arguments: [String], in directory: String? = nil) async throws -> Shell.Result {
    try await Shell.run(
        executable, arguments, environment: ["PATH": "/usr/bin:/bin", "LC_ALL": "C", "HOME": NSTemporaryDirectory()], directory: directory,
        errors: .separate)
}

/// Builders for small file trees.
enum Tree {
    static func file(_ path: String, _ contents: String, mode: mode_t = 0o644) throws {
        try directory((path as NSString).deletingLastPathComponent)
        try bytes(path, Array(contents.utf8), mode: mode)
    }

    static func bytes(_ path: String, _ bytes: [UInt8], mode: mode_t = 0o644) throws {
        try Data(bytes).write(to: URL(fileURLWithPath: path))
        try #require(chmod(path, mode) == 0)
    }

    static func directory(_ path: String, mode: mode_t = 0o755) throws {
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        try #require(chmod(path, mode) == 0)
    }

    static func symlink(_ path: String, to target: String) throws {
        try #require(Glibc.symlink(target, path) == 0)
    }

    /// Sets a path's access and modification times (not following a symlink).
    static func touch(_ path: String, seconds: Int, nanoseconds: Int = 0) throws {
        var times = [timespec(tv_sec: seconds, tv_nsec: nanoseconds), timespec(tv_sec: seconds, tv_nsec: nanoseconds)]
        try #require(utimensat(AT_FDCWD, path, &times, AT_SYMLINK_NOFOLLOW) == 0)
    }

    static func status(_ path: String) throws -> stat {
        var info = stat()
        try #require(lstat(path, &info) == 0)
        return info
    }

    static func read(_ path: String) throws -> String {
        try String(contentsOfFile: path, encoding: .utf8)
    }

    /// A small app tree: nested directories, an executable, a private file, a symlink.
    static func app(at root: String) throws {
        try directory(root)
        try file(root + "/Procfile", "web: gunicorn app:app\n")
        try file(root + "/app.py", "print('hello')\n")
        try file(root + "/bin/run", "#!/bin/sh\necho run\n", mode: 0o755)
        try file(root + "/secrets/key", "s3cret", mode: 0o600)
        try symlink(root + "/current", to: "app.py")
    }
}
