import GantryCore

/// One `KEY=value` argument of `gantry config:set`.
public struct ConfigAssignment: Hashable, Sendable {
    /// The part before the first `=`, validated.
    public let key: ConfigKey
    /// Everything after the first `=`, possibly empty.
    public let value: String

    /// Parses `KEY=value`, split at the first `=`: `A=b=c` sets `A` to `b=c`, `A=` sets `A` to
    /// the empty string.
    /// - Throws: `InvalidConfigAssignment` when there is no `=`, the key is invalid or the value
    ///   too large. Its message never shows the value, which may be a secret.
    public init(parsing argument: String) throws(InvalidConfigAssignment) {
        guard let equals = argument.firstIndex(of: "=") else {
            // A key alone (`DEBUG`) is named. Anything else may be a secret that lost its key
            // to an unquoted space (`KEY=two words`), so it is not shown.
            if Self.looksLikeAKey(argument) {
                throw InvalidConfigAssignment(
                    "'\(argument)' has no value; write \(argument)=VALUE (\(argument)= sets it to the empty string, `gantry config:unset` removes it)")
            }
            throw InvalidConfigAssignment(
                "an argument is not KEY=VALUE (it has no '='); quote values that contain spaces, as in KEY='two words'")
        }
        let key: ConfigKey
        do { key = try ConfigKey(String(argument[..<equals])) } catch {
            throw InvalidConfigAssignment(error.description)
        }
        let value = String(argument[argument.index(after: equals)...])
        do { try ConfigValue.validate(value, of: key) } catch {
            throw InvalidConfigAssignment(error.description)
        }
        self.key = key
        self.value = value
    }

    /// Whether `argument` is a key in the usual style, `UPPER_CASE_2`: safe to show in a message.
    private static func looksLikeAKey(_ argument: String) -> Bool {
        (try? ConfigKey(argument)) != nil && !argument.contains(where: \.isLowercase)
    }

    /// Parses every argument of `gantry config:set` into the vars to set.
    /// - Throws: `InvalidConfigAssignment` for the first argument that does not parse, or a key
    ///   given twice.
    public static func parse(_ arguments: [String]) throws(InvalidConfigAssignment) -> [String: String] {
        var vars: [String: String] = [:]
        for argument in arguments {
            let assignment = try ConfigAssignment(parsing: argument)
            guard vars.updateValue(assignment.value, forKey: assignment.key.rawValue) == nil else {
                throw InvalidConfigAssignment("\(assignment.key) is given twice; give each var once")
            }
        }
        return vars
    }
}

/// A `gantry config:set` argument that is not a valid `KEY=value`.
public struct InvalidConfigAssignment: Error, Equatable, Sendable, CustomStringConvertible {
    /// What is wrong, in one line that names the key but never the value.
    public let message: String

    init(_ message: String) { self.message = message }

    public var description: String { message }
}
