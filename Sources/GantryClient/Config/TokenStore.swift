import Foundation

/// Where the CLI keeps its API token: one file, mode 0600, in a 0700 directory.
///
/// The default path is `$XDG_CONFIG_HOME/gantry/token`, else `~/.config/gantry/token`.
/// `GANTRY_TOKEN` in the environment takes precedence over the file.
public struct TokenStore: Hashable, Sendable {
    /// The token file's path.
    public let path: String

    /// A store at an explicit path.
    public init(path: String) { self.path = path }

    /// The store at the standard path for `environment`.
    public static func standard(environment: [String: String] = ProcessInfo.processInfo.environment) -> TokenStore {
        let configHome: String
        if let xdg = environment["XDG_CONFIG_HOME"], xdg.hasPrefix("/") {
            configHome = xdg  // the spec says to ignore relative values
        } else {
            configHome = (environment["HOME"].flatMap { $0.isEmpty ? nil : $0 } ?? NSHomeDirectory()) + "/.config"
        }
        return TokenStore(path: configHome + "/gantry/token")
    }

    /// The token to use: `GANTRY_TOKEN` when set and not empty, else the standard file's.
    /// - Throws: `TokenStoreError` when the file exists but cannot be read.
    public static func currentToken(
        environment: [String: String] = ProcessInfo.processInfo.environment
    ) throws(TokenStoreError) -> String? {
        if let token = environment["GANTRY_TOKEN"]?.trimmingCharacters(in: .whitespacesAndNewlines), !token.isEmpty {
            return token
        }
        return try standard(environment: environment).read()
    }

    /// The saved token, surrounding whitespace removed; `nil` when there is no file or it is blank.
    /// - Throws: `TokenStoreError` when the file exists but cannot be read.
    public func read() throws(TokenStoreError) -> String? {
        guard FileManager.default.fileExists(atPath: path) else { return nil }
        let text: String
        do { text = try String(contentsOfFile: path, encoding: .utf8) } catch {
            throw TokenStoreError(path: path, detail: "cannot read it (\(error.localizedDescription))")
        }
        let token = text.trimmingCharacters(in: .whitespacesAndNewlines)
        return token.isEmpty ? nil : token
    }

    /// Saves `token`, replacing the file atomically; creates the directory (0700) when missing.
    /// The file is created with mode 0600, so the token is never readable by others.
    /// - Throws: `TokenStoreError` naming the failing step.
    public func save(_ token: String) throws(TokenStoreError) {
        let directory = (path as NSString).deletingLastPathComponent
        do {
            try FileManager.default.createDirectory(
                atPath: directory, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
        } catch {
            throw TokenStoreError(path: path, detail: "cannot create \(directory) (\(error.localizedDescription))")
        }
        let temporary = path + ".tmp-\(getpid())"
        let fd = open(temporary, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o600)
        guard fd >= 0 else { throw TokenStoreError(path: path, detail: "cannot create \(temporary): \(errnoText())") }
        let bytes = Array((token + "\n").utf8)
        let written = bytes.withUnsafeBytes { write(fd, $0.baseAddress, $0.count) }
        let writeError = written == bytes.count ? nil : errnoText()
        let synced = fsync(fd) == 0
        close(fd)
        guard writeError == nil, synced, rename(temporary, path) == 0 else {
            let detail = writeError ?? errnoText()
            unlink(temporary)
            throw TokenStoreError(path: path, detail: "cannot write it: \(detail)")
        }
    }

    private func errnoText() -> String { String(cString: strerror(errno)) }
}

/// The token file could not be read or written.
public struct TokenStoreError: Error, Hashable, Sendable, CustomStringConvertible {
    /// The token file.
    public let path: String
    /// What failed.
    public let detail: String

    /// `token file PATH: DETAIL; check its permissions`.
    public var description: String { "token file \(path): \(detail); check the file and its directory" }
}
