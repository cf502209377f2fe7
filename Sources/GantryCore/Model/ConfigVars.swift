// Config vars (Heroku's `config`): per-app settings a build finds as files in its `ENV_DIR`
// and the app's tests and processes as environment variables. Gantry reads a few itself
// (`GANTRY_BUILDPACK`, `GANTRY_BUILD_TIMEOUT`, `GANTRY_TEST_TIMEOUT`).

/// The name of a config var, such as `DATABASE_URL`.
///
/// 1 to 256 ASCII letters, digits and underscores, not starting with a digit: a name every
/// shell accepts as a variable and a safe file name in a build's `ENV_DIR`. Case matters:
/// `DEBUG` and `debug` are two vars.
public struct ConfigKey: ValidatedName, Comparable {
    /// The longest key accepted, in characters.
    public static let maximumLength = 256

    /// The validated key.
    public let rawValue: String

    /// Validates `rawValue`.
    /// - Throws: `InvalidConfigKey` naming the key and what a key may contain.
    public init(_ rawValue: String) throws(InvalidConfigKey) {
        if let problem = Self.problem(with: rawValue) {
            throw InvalidConfigKey(key: rawValue, problem: problem)
        }
        self.rawValue = rawValue
    }

    private static func problem(with key: String) -> InvalidConfigKey.Problem? {
        if key.isEmpty { return .empty }
        // ASCII only, so the UTF-8 count is the character count of any key that passes.
        if key.utf8.count > maximumLength { return .tooLong }
        for byte in key.utf8 {
            switch byte {
            case UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "a")...UInt8(ascii: "z"),
                 UInt8(ascii: "0")...UInt8(ascii: "9"), UInt8(ascii: "_"):
                continue
            default:
                return .characters
            }
        }
        if let first = key.utf8.first, (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(first) {
            return .characters
        }
        return nil
    }
}

/// A string that is not a valid config key.
public struct InvalidConfigKey: Error, Equatable, Sendable, CustomStringConvertible {
    /// What is wrong with a key.
    public enum Problem: Equatable, Sendable {
        /// The key is the empty string.
        case empty
        /// The key is longer than `ConfigKey.maximumLength`.
        case tooLong
        /// The key contains a character other than a letter, digit or `_`, or starts with a digit.
        case characters
    }

    /// The key as given.
    public let key: String
    /// What is wrong with it.
    public let problem: Problem

    /// An error for `key`.
    public init(key: String, problem: Problem) {
        self.key = key
        self.problem = problem
    }

    public var description: String {
        switch problem {
        case .empty:
            "invalid config key '': a key cannot be empty; use letters, digits and _, not starting with a digit"
        case .tooLong:
            "invalid config key '\(ConfigVarText.shown(key))': it is \(key.count) characters long; use at most \(ConfigKey.maximumLength)"
        case .characters:
            "invalid config key '\(ConfigVarText.shown(key))': use letters, digits and _, not starting with a digit"
        }
    }
}

/// What a config var's value may hold.
public enum ConfigValue {
    /// The largest value accepted: 32 KiB of UTF-8.
    public static let maximumSize = 32 * 1024

    /// Checks that `value` fits in a config var and in an environment variable.
    /// - Throws: `InvalidConfigVar.valueTooLarge` when it is over `maximumSize` bytes of UTF-8;
    ///   `InvalidConfigVar.valueContainsNUL` when it contains a NUL character, which no
    ///   environment variable can hold.
    public static func validate(_ value: String, of key: ConfigKey) throws(InvalidConfigVar) {
        let size = value.utf8.count
        if size > maximumSize {
            throw .valueTooLarge(ConfigValueTooLarge(key: key.rawValue, size: size))
        }
        if value.utf8.contains(0) {
            throw .valueContainsNUL(key: key.rawValue)
        }
    }
}

/// A config var's value over `ConfigValue.maximumSize`.
public struct ConfigValueTooLarge: Error, Equatable, Sendable, CustomStringConvertible {
    /// The var's key.
    public let key: String
    /// The value's size in bytes of UTF-8.
    public let size: Int

    /// An error for the value of `key`, `size` bytes long.
    public init(key: String, size: Int) {
        self.key = key
        self.size = size
    }

    public var description: String {
        "the value of config var '\(key)' is \(size) bytes; values are limited to \(ConfigValue.maximumSize) bytes (32 KiB)"
    }
}

/// A config var Gantry refuses to store: its key is invalid, or its value is too large or holds
/// a NUL character. A change with one such var changes nothing.
public enum InvalidConfigVar: Error, Equatable, Sendable, CustomStringConvertible {
    /// The key breaks `ConfigKey`'s rules.
    case key(InvalidConfigKey)
    /// The value is over `ConfigValue.maximumSize`.
    case valueTooLarge(ConfigValueTooLarge)
    /// The value contains U+0000, which neither an environment variable nor SQLite's text
    /// functions can carry.
    case valueContainsNUL(key: String)

    /// One line naming the key and what is wrong.
    public var description: String {
        switch self {
        case .key(let error): error.description
        case .valueTooLarge(let error): error.description
        case .valueContainsNUL(let key):
            "the value of config var '\(key)' contains a NUL character (\\u0000), which no environment variable can hold"
        }
    }
}

/// Body of `PATCH /api/v1/apps/NAME/config`: `{"KEY": "value", "OTHER": null}` sets `KEY` and
/// unsets `OTHER`; vars it does not name keep their values. Keys and values are checked by the
/// server (`ConfigKey`, `ConfigValue`), not when decoding, so that a bad key gets its own message.
public struct ConfigChange: Codable, Sendable, Equatable {
    /// Each key the change names: its new value, or `nil` to unset it.
    public var values: [String: String?]

    /// A change setting `set` and unsetting `unset`.
    /// - Precondition: no key is both set and unset.
    public init(set: [String: String] = [:], unset: [String] = []) {
        var values = set.mapValues { Optional($0) }
        for key in unset {
            precondition(set[key] == nil, "config var '\(key)' is both set and unset in one change")
            values[key] = .some(nil)
        }
        self.values = values
    }

    /// The vars the change sets, with their new values.
    public var set: [String: String] { values.compactMapValues { $0 } }

    /// The keys the change unsets, sorted.
    public var unset: [String] { values.filter { $0.value == nil }.map(\.key).sorted() }

    /// Whether the change names no var at all.
    public var isEmpty: Bool { values.isEmpty }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: AnyKey.self)
        var values: [String: String?] = [:]
        for key in container.allKeys {
            if try container.decodeNil(forKey: key) {
                values[key.stringValue] = .some(nil)
            } else if let value = try? container.decode(String.self, forKey: key) {
                values[key.stringValue] = value
            } else {
                throw DecodingError.typeMismatch(String.self, .init(
                    codingPath: container.codingPath + [key],
                    debugDescription: "the value of '\(ConfigVarText.shown(key.stringValue))' must be a string, or null to unset it"))
            }
        }
        self.values = values
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: AnyKey.self)
        for (key, value) in values {
            if let value {
                try container.encode(value, forKey: AnyKey(stringValue: key))
            } else {
                try container.encodeNil(forKey: AnyKey(stringValue: key))
            }
        }
    }

    /// A JSON object's member name as a coding key.
    private struct AnyKey: CodingKey {
        var stringValue: String
        var intValue: Int? { nil }
        init(stringValue: String) { self.stringValue = stringValue }
        init?(intValue: Int) { nil }
    }
}

/// How config keys appear in messages.
enum ConfigVarText {
    /// `key` for a one-line message: control characters escaped, at most 64 characters shown.
    static func shown(_ key: String) -> String {
        var shown = ""
        for (index, scalar) in key.unicodeScalars.enumerated() {
            if index == 64 { return shown + "…" }
            shown += scalar.value < 0x20 || scalar.value == 0x7f ? scalar.escaped(asASCII: true) : String(scalar)
        }
        return shown
    }
}
