import GantryCore

/// The one kind of command gantryd's SSH server runs: git's `git-receive-pack 'APP.git'` (a
/// push) or `git-upload-pack 'APP.git'` (a clone or fetch), as git sends them.
public struct GitExecCommand: Hashable, Sendable {
    /// Which side of git's pack protocol the client wants.
    public enum Service: String, Sendable, CaseIterable {
        case receivePack = "git-receive-pack"
        case uploadPack = "git-upload-pack"
    }

    public let service: Service
    public let app: AppName

    public init(service: Service, app: AppName) {
        self.service = service
        self.app = app
    }

    /// Parses an exec request. Accepted: `git-receive-pack` or `git receive-pack` (and the same
    /// for upload-pack), then one argument, single-quoted or bare, naming the repository as
    /// `APP.git`, `APP`, `/APP.git` or `/APP` (a trailing `/` allowed).
    /// - Throws: `GitExecCommandError`: `.notGit` for anything else (a shell command), or
    ///   `.invalidRepository` for a git command naming no valid app.
    public static func parse(_ command: String) throws(GitExecCommandError) -> GitExecCommand {
        let trimmed = command.trimmingPrefix(while: { $0 == " " })
        guard let service = Service.allCases.first(where: { trimmed.hasPrefix($0.rawValue + " ") || trimmed.hasPrefix(Self.spaced($0) + " ") }) else {
            throw .notGit(command)
        }
        let prefix = trimmed.hasPrefix(service.rawValue + " ") ? service.rawValue : Self.spaced(service)
        var argument = Substring(trimmed.dropFirst(prefix.count)).trimmingPrefix(while: { $0 == " " })
        while argument.last == " " { argument.removeLast() }
        if argument.first == "'" {
            guard argument.count >= 2, argument.last == "'", !argument.dropFirst().dropLast().contains("'") else {
                throw .invalidRepository(String(argument))
            }
            argument = argument.dropFirst().dropLast()
        }
        var path = argument
        if path.first == "/" { path.removeFirst() }
        if path.last == "/" { path.removeLast() }
        if path.hasSuffix(".git") { path.removeLast(4) }
        guard !path.contains(where: { $0 == " " || $0 == "'" || $0 == "/" }) else { throw .invalidRepository(String(argument)) }
        do {
            return GitExecCommand(service: service, app: try AppName(String(path)))
        } catch {
            throw .invalidRepository(String(argument))
        }
    }

    private static func spaced(_ service: Service) -> String {
        "git " + service.rawValue.dropFirst("git-".count)
    }
}

/// An exec request gantryd's SSH server does not run.
public enum GitExecCommandError: Error, Sendable, Equatable, CustomStringConvertible {
    /// Not a git push or fetch.
    case notGit(String)
    /// A git command whose repository is not `APP.git`.
    case invalidRepository(String)

    public var description: String {
        switch self {
        case .notGit(let command):
            "gantry runs no commands over SSH ('\(command.prefix(80))' refused); it only receives `git push` and serves `git clone` of ssh://git@HOST:PORT/APP.git"
        case .invalidRepository(let argument):
            "'\(argument.prefix(80))' is not an app's repository; use ssh://git@HOST:PORT/APP.git where APP is an app of `gantry apps`"
        }
    }
}
