/// A fully qualified git reference name such as `refs/heads/main`, checked against the rules of
/// `git check-ref-format` before it touches a repository.
public struct RefName: ValidatedName {
    /// The validated name.
    public let rawValue: String

    /// Validates `rawValue`.
    /// - Throws: `InvalidRefName` naming the rule it breaks.
    public init(_ rawValue: String) throws(InvalidRefName) {
        if let reason = Self.problem(with: rawValue) {
            throw InvalidRefName(name: rawValue, reason: reason)
        }
        self.rawValue = rawValue
    }

    /// `refs/heads/NAME` for a branch name.
    /// - Throws: `InvalidRefName` when the result is not a valid ref name.
    public static func branch(_ name: String) throws(InvalidRefName) -> RefName {
        try RefName("refs/heads/" + name)
    }

    /// The branch name when this is `refs/heads/…`.
    public var branchName: String? {
        rawValue.hasPrefix("refs/heads/") ? String(rawValue.dropFirst("refs/heads/".count)) : nil
    }

    /// Whether a push to this ref deploys the app: `refs/heads/main` or `refs/heads/master`,
    /// the branches Heroku and Dokku deploy.
    public var isDeployBranch: Bool {
        rawValue == "refs/heads/main" || rawValue == "refs/heads/master"
    }

    private static func problem(with name: String) -> String? {
        guard name.hasPrefix("refs/") else { return "it does not start with refs/" }
        if name.utf8.count > 1024 { return "it is longer than 1024 bytes" }
        if name.hasSuffix("/") { return "it ends with /" }
        if name.hasSuffix(".") { return "it ends with ." }
        if name.contains("..") { return "it contains .." }
        if name.contains("@{") { return "it contains @{" }
        if name.contains("//") { return "it contains an empty component" }
        for scalar in name.unicodeScalars {
            if scalar.value < 0x20 || scalar.value == 0x7f { return "it contains a control character" }
            if " ~^:?*[\\".unicodeScalars.contains(scalar) { return "it contains '\(scalar)'" }
        }
        for component in name.split(separator: "/", omittingEmptySubsequences: false) {
            if component.hasPrefix(".") { return "a component starts with ." }
            if component.hasSuffix(".lock") { return "a component ends with .lock" }
        }
        if name.split(separator: "/").count < 3 { return "it names no branch or tag under refs/" }
        return nil
    }
}

/// A string that is not a valid git ref name.
public struct InvalidRefName: Error, Equatable, Sendable, CustomStringConvertible {
    public let name: String
    public let reason: String

    public var description: String { "invalid ref name '\(name)': \(reason)" }
}
