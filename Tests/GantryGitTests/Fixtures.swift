import Foundation
import GantryCore
import GantryGit
import GantryTesting
import Synchronization

/// A temporary directory removed when the test ends.
final class TemporaryDirectory {
    let path: String
    init() throws {
        path = FileManager.default.temporaryDirectory.appendingPathComponent("gantry-git-tests-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
    }
    deinit { try? FileManager.default.removeItem(atPath: path) }
}

/// Runs the real `git` with an argument array (off the cooperative pool) and returns its standard output.
/// - Parameter quiet: whether git's warnings are thrown away (a 10,000-level tree makes
///   `pack-objects` warn once per path it cannot check attributes for).
@discardableResult
func git(_ arguments: [String], in directory: String, input: [UInt8]? = nil, quiet: Bool = false) async throws -> [UInt8] {
    let result = try await Shell.run(
        "/usr/bin/git", ["-c", "user.name=Test", "-c", "user.email=test@example.com", "-c", "init.defaultBranch=main"] + arguments,
        environment: ["HOME": directory, "GIT_CONFIG_NOSYSTEM": "1", "PATH": "/usr/bin:/bin"], directory: directory,
        input: input ?? [], errors: quiet ? .discarded : .inherited)
    guard result.status == 0 else {
        throw CocoaError(.executableLoad, userInfo: [NSLocalizedDescriptionKey: "git \(arguments.joined(separator: " ")) failed"])
    }
    return result.bytes
}

/// A work tree to make commits and packs in, beside a bare repository created with libgit2.
struct PushFixture {
    let directory = try! TemporaryDirectory()
    var work: String { directory.path + "/work" }
    var bare: String { directory.path + "/server.git" }
    var scratch: String { directory.path + "/tmp" }

    init() async throws {
        Libgit2.initialize()
        try FileManager.default.createDirectory(atPath: work, withIntermediateDirectories: true)
        try FileManager.default.createDirectory(atPath: scratch, withIntermediateDirectories: true)
        try await git(["init", "-q"], in: work)
        try Repository.createBare(at: bare)
    }

    /// Commits a file and returns the new commit's id.
    func commit(_ file: String, _ contents: String) async throws -> ObjectID {
        let path = work + "/" + file
        try await blocking { try contents.write(toFile: path, atomically: true, encoding: .utf8) }  // an atomic write fsyncs
        try await git(["add", file], in: work)
        try await git(["commit", "-q", "-m", "change \(file)"], in: work)
        return try await ObjectID(String(decoding: git(["rev-parse", "HEAD"], in: work), as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines))
    }

    /// A pack of what `new` has that `old` lacks; thin (bases left out) when `old` is given.
    func pack(_ new: ObjectID, since old: ObjectID? = nil, quiet: Bool = false) async throws -> [UInt8] {
        let revisions = "\(new.hex)\n" + (old.map { "^\($0.hex)\n" } ?? "")
        return try await git(
            ["pack-objects", "--stdout", "--revs", "-q"] + (old == nil ? [] : ["--thin"]), in: work, input: Array(revisions.utf8), quiet: quiet)
    }

    func receive(_ commands: [RefCommand], capabilities: Set<String> = ["report-status", "side-band-64k"], pack: [UInt8] = [], maxPushBytes: Int = 1 << 30, hooks: ReceivePackHooks = .init(), keepaliveInterval: Duration = .seconds(5), shallow: [ObjectID] = []) async -> (results: [RefResult], output: [UInt8]) {
        let output = Mutex<[UInt8]>([])
        let reply = ReceivePackReply(sideband: capabilities.contains("side-band-64k")) { bytes in output.withLock { $0 += bytes } }
        let receivePack = ReceivePack(repositoryPath: bare, scratch: scratch, maxPushBytes: maxPushBytes, keepaliveInterval: keepaliveInterval)
        let request = ReceivePackRequest(commands: commands, capabilities: capabilities, shallow: shallow)
        let report = await receivePack.receive(request, packStart: [], input: ChunkedInput(pack), hooks: hooks, reply: reply)
        return (report.map(\.1), output.withLock { $0 })
    }

    func serverRefs() throws -> [String: ObjectID] {
        Dictionary(uniqueKeysWithValues: try Repository.open(at: bare).references().map { ($0.name, $0.target) })
    }

    func packFiles() throws -> [String] {
        try FileManager.default.contentsOfDirectory(atPath: bare + "/objects/pack").sorted()
    }
}

/// A push body delivered in 1000-byte chunks.
final class ChunkedInput: PushInput {
    private var remaining: ArraySlice<UInt8>
    init(_ bytes: [UInt8]) { remaining = bytes[...] }
    func next() async throws(ReceiveError) -> [UInt8]? {
        guard !remaining.isEmpty else { return nil }
        let chunk = remaining.prefix(1000)
        remaining = remaining.dropFirst(chunk.count)
        return Array(chunk)
    }
}
