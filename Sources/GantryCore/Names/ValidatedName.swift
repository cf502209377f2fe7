/// A string checked once, at creation, against the rules of its kind (`AppName`, `KeyName`,
/// `ConfigKey`, `RefName`): it is its `rawValue` in text, JSON and order, and decoding runs the
/// same check as `init`.
public protocol ValidatedName: Hashable, Sendable, Codable, CustomStringConvertible {
    associatedtype Invalid: Error
    /// The validated text.
    var rawValue: String { get }
    /// Validates `rawValue`.
    init(_ rawValue: String) throws(Invalid)
}

extension ValidatedName {
    public var description: String { rawValue }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.singleValueContainer()
        try self.init(container.decode(String.self))
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(rawValue)
    }
}

extension ValidatedName where Self: Comparable {
    public static func < (lhs: Self, rhs: Self) -> Bool { lhs.rawValue < rhs.rawValue }
}
