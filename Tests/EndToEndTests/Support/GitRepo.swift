import Foundation

/// The real `git` client, cut off from the developer's configuration: `HOME` is a scratch
/// directory, the system config is ignored, git never prompts, messages are in English.
struct Git: Sendable {
    let executable: String
    let environment: [String: String]

    /// - Parameter home: an empty directory to serve as `HOME`.
    /// - Throws: `FixtureFailure` when git is not installed.
    init(home: String) throws {
        executable = try ChildProcess.find("git")
        var environment = ProcessInfo.processInfo.environment.filter { name, _ in
            !name.hasPrefix("GIT_") && !name.hasSuffix("_ASKPASS") && !name.lowercased().hasSuffix("_proxy")
        }
        environment["HOME"] = home
        environment["XDG_CONFIG_HOME"] = home + "/.config"
        environment["GIT_CONFIG_NOSYSTEM"] = "1"
        environment["GIT_TERMINAL_PROMPT"] = "0"
        environment["LC_ALL"] = "C"
        environment["NO_PROXY"] = "127.0.0.1,localhost"
        environment["no_proxy"] = "127.0.0.1,localhost"
        self.environment = environment
    }

    private init(executable: String, environment: [String: String]) {
        self.executable = executable
        self.environment = environment
    }

    /// This client with `variables` added to its environment (`GIT_SSH_COMMAND`, say).
    func with(_ variables: [String: String]) -> Git {
        Git(executable: executable, environment: environment.merging(variables) { $1 })
    }

    /// Runs `git ARGUMENTS` (with an identity and no credential helper) in `directory`.
    /// - Throws: `FixtureFailure` on timeout.
    func run(
        _ arguments: [String], in directory: String? = nil, input: Data? = nil,
        timeout: Duration = .seconds(120)
    ) async throws -> ProcessOutput {
        let identity = [
            "-c", "user.name=Gantry Tests", "-c", "user.email=tests@gantry.invalid",
            "-c", "init.defaultBranch=main", "-c", "credential.helper=",
            "-c", "advice.detachedHead=false",
        ]
        return try await ChildProcess.run(
            executable, identity + arguments, environment: environment, directory: directory,
            input: input, timeout: timeout)
    }

    /// Runs `git ARGUMENTS` and returns its stdout with the final newline removed.
    /// - Throws: `FixtureFailure` when git exits non-zero or times out.
    @discardableResult
    func checked(_ arguments: [String], in directory: String? = nil, input: Data? = nil) async throws -> String {
        let output = try await run(arguments, in: directory, input: input)
        guard output.succeeded else { throw FixtureFailure("git failed: \(output)") }
        return output.stdout.hasSuffix("\n") ? String(output.stdout.dropLast()) : output.stdout
    }

    /// `refname -> object id` of every ref in the repository at `gitDirectory` (bare or not).
    /// - Throws: `FixtureFailure` when git fails.
    func refs(ofRepositoryAt gitDirectory: String) async throws -> [String: String] {
        let listing = try await checked(
            ["--git-dir", gitDirectory, "for-each-ref", "--format=%(refname) %(objectname)"])
        var refs: [String: String] = [:]
        for line in listing.split(separator: "\n") {
            let parts = line.split(separator: " ", maxSplits: 1)
            if parts.count == 2 { refs[String(parts[0])] = String(parts[1]) }
        }
        return refs
    }

    /// `git fsck --strict` of the repository at `gitDirectory`; dangling objects (a lost race
    /// may leave some) are not reported.
    /// - Throws: `FixtureFailure` on timeout.
    func fsck(repositoryAt gitDirectory: String) async throws -> ProcessOutput {
        try await run(["--git-dir", gitDirectory, "fsck", "--strict", "--no-dangling", "--no-progress"])
    }
}

/// A work tree with commits, in a scratch directory, on branch `main`.
struct GitRepo: Sendable {
    let path: String
    let git: Git

    /// `git init` at `path`.
    /// - Throws: `FixtureFailure` when git fails.
    static func create(at path: String, git: Git) async throws -> GitRepo {
        try await git.checked(["init", "-q", "-b", "main", path])
        return GitRepo(path: path, git: git)
    }

    /// `git clone --no-local` of another local repository to `path`.
    /// - Throws: `FixtureFailure` when git fails.
    func clone(to path: String) async throws -> GitRepo {
        try await git.checked(["clone", "-q", "--no-local", self.path, path])
        return GitRepo(path: path, git: git)
    }

    /// Runs `git ARGUMENTS` here; a failure is a value.
    /// - Throws: `FixtureFailure` on timeout.
    func run(_ arguments: [String], input: Data? = nil, timeout: Duration = .seconds(120)) async throws -> ProcessOutput {
        try await git.run(arguments, in: path, input: input, timeout: timeout)
    }

    /// Runs `git ARGUMENTS` here and returns stdout without its final newline.
    /// - Throws: `FixtureFailure` when git exits non-zero.
    @discardableResult
    func checked(_ arguments: [String], input: Data? = nil) async throws -> String {
        try await git.checked(arguments, in: path, input: input)
    }

    /// Writes files (path relative to the work tree -> contents), creating directories.
    /// - Throws: what `FileManager`/`Data.write` throw.
    func write(_ files: [String: Data]) throws {
        for (relative, contents) in files {
            let url = URL(fileURLWithPath: path).appendingPathComponent(relative)
            try FileManager.default.createDirectory(
                at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
            try contents.write(to: url)
        }
    }

    /// Writes text files, stages everything and commits; returns the new commit's id.
    /// - Throws: `FixtureFailure` when git fails; file-system errors.
    @discardableResult
    func commit(_ message: String, files: [String: String]) async throws -> String {
        try await commit(message, data: files.mapValues { Data($0.utf8) })
    }

    /// Writes files, stages everything and commits; returns the new commit's id.
    /// - Throws: `FixtureFailure` when git fails; file-system errors.
    @discardableResult
    func commit(_ message: String, data files: [String: Data]) async throws -> String {
        try write(files)
        try await checked(["add", "-A"])
        try await checked(["commit", "-q", "--no-verify", "-m", message])
        return try await revParse("HEAD")
    }

    /// The object id `revision` names.
    /// - Throws: `FixtureFailure` when git fails.
    func revParse(_ revision: String) async throws -> String {
        try await checked(["rev-parse", "--verify", revision])
    }

    /// `git push [OPTIONS] URL REFSPECS...`; a rejected push is a value.
    /// - Throws: `FixtureFailure` on timeout.
    func push(_ url: String, _ refspecs: [String], options: [String] = []) async throws -> ProcessOutput {
        try await run(["push"] + options + [url] + refspecs)
    }

    /// Imports a generated history with `git fast-import` (seconds for thousands of commits).
    /// - Throws: `FixtureFailure` when fast-import fails.
    func fastImport(_ stream: Data) async throws {
        try await checked(["fast-import", "--quiet", "--done"], input: stream)
        try await checked(["reset", "-q", "--hard", "main"])
    }
}
