/// The name of an SSH public key registered with `gantry keys:add`: who pushed, in releases
/// and logs (`alice`, `alice@laptop`, `ci-runner`).
///
/// 1 to 64 ASCII letters, digits, `.`, `_`, `-` and `@`, starting with a letter or digit.
public struct KeyName: ValidatedName, Comparable {
    /// The longest name accepted.
    public static let maximumLength = 64

    /// The validated name.
    public let rawValue: String

    /// Validates `rawValue`.
    /// - Throws: `InvalidKeyName` naming what is wrong with it.
    public init(_ rawValue: String) throws(InvalidKeyName) {
        if let reason = Self.problem(with: rawValue) {
            throw InvalidKeyName(name: rawValue, reason: reason)
        }
        self.rawValue = rawValue
    }

    private static func problem(with name: String) -> String? {
        if name.isEmpty { return "it is empty" }
        if name.utf8.count > maximumLength { return "it is longer than \(maximumLength) characters" }
        for scalar in name.unicodeScalars {
            switch scalar {
            case "a"..."z", "A"..."Z", "0"..."9", ".", "_", "-", "@": continue
            default: return "it contains '\(scalar.escaped(asASCII: true))'"
            }
        }
        if let first = name.unicodeScalars.first, !(("a"..."z").contains(first) || ("A"..."Z").contains(first) || ("0"..."9").contains(first)) {
            return "it does not start with a letter or digit"
        }
        return nil
    }
}

/// A string that is not a valid key name.
public struct InvalidKeyName: Error, Equatable, Sendable, CustomStringConvertible {
    public let name: String
    public let reason: String

    public var description: String {
        "invalid key name '\(name.prefix(80))': \(reason); use 1 to \(KeyName.maximumLength) letters, digits, '.', '_', '-' and '@', starting with a letter or digit"
    }
}
