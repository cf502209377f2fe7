/// Where images go: a registry's base URL (`http://127.0.0.1:5000`, `https://registry.example.com/team`)
/// as given to `gantryd --registry`. A path after the host is a namespace every repository
/// goes under (`team/APP`).
public struct RegistryEndpoint: Hashable, Sendable, CustomStringConvertible {
    /// `http` or `https`.
    public let scheme: String
    /// `HOST[:PORT]`, as references name the registry.
    public let authority: String
    /// The namespace before each app's name, without slashes around it; empty for none.
    public let namespace: String

    /// Parses `url`.
    /// - Throws: `RegistryError.invalidConfiguration` for anything but `http(s)://HOST[:PORT][/NAMESPACE]`
    ///   with a namespace of the distribution spec's path components.
    public init(_ url: String) throws(RegistryError) {
        let parts = url.split(separator: "://", maxSplits: 1, omittingEmptySubsequences: false)
        guard parts.count == 2, ["http", "https"].contains(parts[0].lowercased()) else {
            throw .invalidConfiguration("--registry \(url): give an http:// or https:// URL, e.g. http://127.0.0.1:5000")
        }
        let rest = parts[1]
        let slash = rest.firstIndex(of: "/") ?? rest.endIndex
        let authority = String(rest[..<slash]).lowercased()
        let path = rest[slash...].split(separator: "/").joined(separator: "/")
        guard !authority.isEmpty, !authority.contains("@"), authority.allSatisfy({ $0.isLetter || $0.isNumber || ".-:[]".contains($0) }) else {
            throw .invalidConfiguration("--registry \(url): the host must be a name or address with an optional :port (no user, no query)")
        }
        guard path.isEmpty || Self.isRepositoryName(path) else {
            throw .invalidConfiguration("--registry \(url): the path \(path) is not a repository namespace (lowercase letters, digits, ._- between them)")
        }
        scheme = parts[0].lowercased()
        self.authority = authority
        namespace = path
    }

    /// `SCHEME://AUTHORITY`, without the namespace.
    public var baseURL: String { "\(scheme)://\(authority)" }

    /// The URL as given, normalised: `SCHEME://AUTHORITY[/NAMESPACE]`.
    public var description: String { namespace.isEmpty ? baseURL : baseURL + "/" + namespace }

    /// The repository of `name` (an app's name): `NAMESPACE/name`, or `name`.
    /// - Throws: `RegistryError.invalidConfiguration` when the result breaks the spec's grammar.
    public func repository(_ name: String) throws(RegistryError) -> String {
        let repository = namespace.isEmpty ? name : namespace + "/" + name
        guard Self.isRepositoryName(repository) else {
            throw .invalidConfiguration("\(repository) is not a registry repository name (lowercase letters, digits, ._- between them)")
        }
        return repository
    }

    /// `AUTHORITY/REPOSITORY@DIGEST`, what a release records and a runtime pulls.
    public func reference(repository: String, digest: String) -> String {
        "\(authority)/\(repository)@\(digest)"
    }

    /// The distribution spec's `<name>`: `[a-z0-9]+((\.|_|__|-+)[a-z0-9]+)*(\/[a-z0-9]+((\.|_|__|-+)[a-z0-9]+)*)*`,
    /// at most 255 characters (what registries accept in practice).
    public static func isRepositoryName(_ name: String) -> Bool {
        guard !name.isEmpty, name.utf8.count <= 255 else { return false }
        return name.split(separator: "/", omittingEmptySubsequences: false).allSatisfy(isComponent)
    }

    private static func isComponent(_ component: Substring) -> Bool {
        let bytes = Array(component.utf8)
        func isAlphanumeric(_ byte: UInt8) -> Bool { (0x30...0x39).contains(byte) || (0x61...0x7a).contains(byte) }
        guard let first = bytes.first, let last = bytes.last, isAlphanumeric(first), isAlphanumeric(last) else { return false }
        var index = 0
        while index < bytes.count {
            if isAlphanumeric(bytes[index]) {
                index += 1
                continue
            }
            // A separator: ".", "_", "__" or any run of "-", then an alphanumeric.
            var end = index + 1
            switch bytes[index] {
            case UInt8(ascii: "."): break
            case UInt8(ascii: "_"): if bytes[end] == UInt8(ascii: "_") { end += 1 }
            case UInt8(ascii: "-"): while bytes[end] == UInt8(ascii: "-") { end += 1 }
            default: return false
            }
            guard isAlphanumeric(bytes[end]) else { return false }
            index = end
        }
        return true
    }
}
