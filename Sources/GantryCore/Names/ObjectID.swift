/// A git object id in its 40-digit lowercase hexadecimal form (SHA-1 repositories).
public struct ObjectID: Hashable, Sendable, Codable, CustomStringConvertible {
    /// The all-zero id git uses for "no object": the old value of a created ref, the new value
    /// of a deleted one.
    public static let zero = ObjectID(unchecked: String(repeating: "0", count: 40))

    /// The 40 hex digits.
    public let hex: String

    /// Validates `hex`: 40 lowercase hexadecimal digits.
    /// - Throws: `InvalidObjectID`.
    public init(_ hex: String) throws(InvalidObjectID) {
        guard hex.utf8.count == 40, hex.utf8.allSatisfy({ (0x30...0x39).contains($0) || (0x61...0x66).contains($0) }) else {
            throw InvalidObjectID(text: hex)
        }
        self.hex = hex
    }

    private init(unchecked hex: String) { self.hex = hex }

    /// Whether this is `ObjectID.zero`.
    public var isZero: Bool { self == .zero }

    /// The 7-digit abbreviation git prints.
    public var short: String { String(hex.prefix(7)) }

    public var description: String { hex }

    public init(from decoder: any Decoder) throws {
        try self.init(decoder.singleValueContainer().decode(String.self))
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(hex)
    }
}

/// A string that is not a 40-digit hexadecimal object id.
public struct InvalidObjectID: Error, Equatable, Sendable, CustomStringConvertible {
    public let text: String
    public var description: String { "invalid object id '\(text.prefix(60))': expected 40 lowercase hex digits" }
}
