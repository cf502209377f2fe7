/// The URL a webhook fetches from: `http`, `https`, `git` or `file`, as `git clone` takes it.
/// Checked before it is stored or handed to libgit2: no other scheme (no `ssh`, no `ext::`),
/// no control characters or spaces, a host for the network schemes, an absolute path for `file`.
public struct CloneURL: Hashable, Sendable, Codable, CustomStringConvertible {
    /// The schemes a webhook may fetch from.
    public static let schemes = ["http", "https", "git", "file"]

    /// The validated URL, as given.
    public let rawValue: String
    /// The scheme, lowercased.
    public let scheme: String
    /// The host (empty for `file`), lowercased, without user info or port.
    public let host: String
    /// The port, when the URL names one.
    public let port: Int?
    /// The path, starting with `/`.
    public let path: String

    /// Validates `rawValue`.
    /// - Throws: `InvalidCloneURL` saying what is wrong and what is accepted.
    public init(_ rawValue: String) throws(InvalidCloneURL) {
        func fail(_ reason: String) -> InvalidCloneURL { InvalidCloneURL(url: rawValue, reason: reason) }
        guard !rawValue.isEmpty else { throw fail("it is empty") }
        guard rawValue.utf8.count <= 2048 else { throw fail("it is longer than 2048 bytes") }
        guard !rawValue.unicodeScalars.contains(where: { $0.value <= 0x20 || $0.value == 0x7f }) else {
            throw fail("it contains a space or a control character")
        }
        guard let separator = rawValue.range(of: "://") else { throw fail("it has no scheme") }
        let scheme = rawValue[..<separator.lowerBound].lowercased()
        guard Self.schemes.contains(scheme) else { throw fail("the scheme '\(scheme.prefix(20))' is not allowed") }
        let rest = rawValue[separator.upperBound...]
        let slash = rest.firstIndex(of: "/") ?? rest.endIndex
        var authority = rest[..<slash]
        let path = String(rest[slash...])
        if let at = authority.lastIndex(of: "@") { authority = authority[authority.index(after: at)...] }
        var host = String(authority).lowercased()
        var port: Int?
        if let colon = host.lastIndex(of: ":"), !host.hasSuffix("]") {
            guard let number = Int(host[host.index(after: colon)...]), (1...65535).contains(number) else {
                throw fail("its port is not a number from 1 to 65535")
            }
            port = number
            host = String(host[..<colon])
        }
        if scheme == "file" {
            guard host.isEmpty || host == "localhost" else { throw fail("a file URL names no host (file:///path)") }
            guard path.hasPrefix("/"), path.count > 1 else { throw fail("a file URL needs an absolute path") }
        } else {
            guard !host.isEmpty else { throw fail("it names no host") }
            guard host.allSatisfy({ $0.isLetter || $0.isNumber || "-.[]:".contains($0) }) else {
                throw fail("its host contains characters a host name cannot")
            }
        }
        guard !path.split(separator: "/").contains("..") else { throw fail("its path contains '..'") }
        self.rawValue = rawValue
        self.scheme = scheme
        self.host = host
        self.port = port
        self.path = path.isEmpty ? "/" : path
    }

    public var description: String { rawValue }

    /// The repository's path on its server without the leading `/` and a trailing `.git`:
    /// `alice/site` for `https://github.com/alice/site.git`.
    public var repositoryPath: String {
        var path = String(path.drop { $0 == "/" })
        while path.hasSuffix("/") { path.removeLast() }
        if path.hasSuffix(".git") { path.removeLast(4) }
        return path
    }

    public init(from decoder: any Decoder) throws {
        try self.init(decoder.singleValueContainer().decode(String.self))
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(rawValue)
    }
}

/// A string that is not a clone URL a webhook may fetch from.
public struct InvalidCloneURL: Error, Equatable, Sendable, CustomStringConvertible {
    public let url: String
    public let reason: String

    public var description: String {
        "invalid clone URL '\(url.prefix(200))': \(reason); use an http://, https://, git:// or file:// URL such as https://github.com/OWNER/REPO.git"
    }
}
