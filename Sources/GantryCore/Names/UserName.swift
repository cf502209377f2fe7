/// The name of a Gantry user: who pushed, rolled back or changed config, in releases and the
/// audit log (`alice`, `ci-bot`).
///
/// The rules of app names: 1 to 30 lowercase letters, digits and dashes, starting with a letter
/// and not ending with a dash.
public struct UserName: ValidatedName, Comparable {
    /// The longest name accepted.
    public static let maximumLength = AppName.maximumLength

    /// The validated name.
    public let rawValue: String

    /// Validates `rawValue`.
    /// - Throws: `InvalidUserName` naming what is wrong with it.
    public init(_ rawValue: String) throws(InvalidUserName) {
        if let reason = Self.problem(with: rawValue) {
            throw InvalidUserName(name: rawValue, reason: reason)
        }
        self.rawValue = rawValue
    }

    private static func problem(with name: String) -> String? {
        AppName.problem(with: name)
    }
}

/// A string that is not a valid user name.
public struct InvalidUserName: Error, Equatable, Sendable, CustomStringConvertible {
    public let name: String
    public let reason: String

    public var description: String {
        "invalid user name '\(name.prefix(80))': \(reason); use 1 to \(UserName.maximumLength) lowercase letters, digits and dashes, starting with a letter"
    }
}
