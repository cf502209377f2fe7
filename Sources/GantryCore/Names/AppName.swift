/// The name of an app: what appears in `APP.git`, `APP.localhost` and every CLI command.
///
/// Heroku's rules: 1 to 30 characters, lowercase letters, digits and dashes, starting with a
/// letter and not ending with a dash. A validated `AppName` is safe to use as a path component.
public struct AppName: ValidatedName, Comparable {
    /// The longest name accepted.
    public static let maximumLength = 30

    /// The validated name.
    public let rawValue: String

    /// Validates `rawValue`.
    /// - Throws: `InvalidAppName` naming what is wrong with it.
    public init(_ rawValue: String) throws(InvalidAppName) {
        if let reason = Self.problem(with: rawValue) {
            throw InvalidAppName(name: rawValue, reason: reason)
        }
        self.rawValue = rawValue
    }

    /// What breaks the rules in `name`, or `nil`. User names follow the same rules.
    static func problem(with name: String) -> String? {
        if name.isEmpty { return "it is empty" }
        if name.utf8.count > maximumLength { return "it is longer than \(maximumLength) characters" }
        for scalar in name.unicodeScalars {
            switch scalar {
            case "a"..."z", "0"..."9", "-": continue
            case "A"..."Z": return "it contains an uppercase letter ('\(scalar)')"
            default: return "it contains '\(scalar)'"
            }
        }
        if let first = name.unicodeScalars.first, !("a"..."z").contains(first) {
            return "it does not start with a letter"
        }
        if name.hasSuffix("-") { return "it ends with a dash" }
        return nil
    }
}

/// A string that is not a valid app name.
public struct InvalidAppName: Error, Equatable, Sendable, CustomStringConvertible {
    public let name: String
    public let reason: String

    public var description: String {
        "invalid app name '\(name)': \(reason); use 1 to \(AppName.maximumLength) lowercase letters, digits and dashes, starting with a letter"
    }
}
