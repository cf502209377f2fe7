/// How many processes of each type an app runs (Heroku's formation): `web=2 worker=1`.
///
/// Process types are named as in a Procfile: 1 to 30 ASCII letters, digits, `-` and `_`.
/// Counts are 0 to `maximumQuantity`. A type the formation does not name runs 0 processes.
public struct Formation: Hashable, Sendable, Codable {
    /// The largest count of one process type.
    public static let maximumQuantity = 100

    /// The longest process type name, in characters.
    public static let maximumTypeLength = 30

    /// The count of each process type it names.
    public private(set) var counts: [String: Int]

    /// Validates `counts`.
    /// - Throws: `InvalidFormation` for the first invalid type or count, in type order.
    public init(_ counts: [String: Int]) throws(InvalidFormation) {
        for (type, quantity) in counts.sorted(by: { $0.key < $1.key }) {
            try Self.validate(type: type, quantity: quantity)
        }
        self.counts = counts
    }

    /// The Procfile's release command (`release:`): run once per release before it takes
    /// traffic, never part of a formation.
    public static let releaseType = "release"

    /// Heroku's formation for a new release: one `web` process if there is a `web` type, none
    /// of the others. Names that are not valid process types are left out, and so is `release`.
    /// - Parameter processTypes: the release's process types and their commands
    ///   (`Release.processTypes`).
    public static func `default`(for processTypes: [String: String]) -> Formation {
        var counts: [String: Int] = [:]
        for type in processTypes.keys where isValidType(type) && type != releaseType {
            counts[type] = type == "web" ? 1 : 0
        }
        return Formation(unchecked: counts)
    }

    private init(unchecked counts: [String: Int]) { self.counts = counts }

    /// The number of `type` processes: 0 for a type it does not name.
    public subscript(type: String) -> Int { counts[type] ?? 0 }

    /// The process types, sorted.
    public var types: [String] { counts.keys.sorted() }

    /// The total number of processes.
    public var total: Int { counts.values.reduce(0, +) }

    /// Sets the count of `type`.
    /// - Throws: `InvalidFormation` when the type or the count is invalid (nothing changes).
    public mutating func set(_ type: String, to quantity: Int) throws(InvalidFormation) {
        try Self.validate(type: type, quantity: quantity)
        counts[type] = quantity
    }

    /// Whether `type` is a valid process type name: 1 to 30 ASCII letters, digits, `-`, `_`.
    public static func isValidType(_ type: String) -> Bool {
        (1...maximumTypeLength).contains(type.utf8.count)
            && type.utf8.allSatisfy { byte in
                switch byte {
                case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"),
                     UInt8(ascii: "0")...UInt8(ascii: "9"), UInt8(ascii: "-"), UInt8(ascii: "_"):
                    true
                default:
                    false
                }
            }
    }

    /// Checks one entry of a formation.
    /// - Throws: `InvalidFormation.processType` for an invalid name, `.quantity` for a count
    ///   outside 0…`maximumQuantity`.
    public static func validate(type: String, quantity: Int) throws(InvalidFormation) {
        guard isValidType(type) else { throw .processType(type) }
        guard (0...maximumQuantity).contains(quantity) else { throw .quantity(type: type, quantity) }
    }

    /// Decodes `{"web": 2, "worker": 1}`, validated.
    public init(from decoder: any Decoder) throws {
        let counts = try decoder.singleValueContainer().decode([String: Int].self)
        do {
            try self.init(counts)
        } catch {
            throw DecodingError.dataCorrupted(.init(codingPath: decoder.codingPath, debugDescription: error.description))
        }
    }

    /// Encodes `{"web": 2, "worker": 1}`.
    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(counts)
    }
}

/// A process type or count that no formation may hold.
public enum InvalidFormation: Error, Hashable, Sendable, CustomStringConvertible {
    /// The name is not 1 to 30 letters, digits, `-` or `_`.
    case processType(String)
    /// The count is negative or over `Formation.maximumQuantity`.
    case quantity(type: String, Int)

    /// One line naming the type and what is wrong.
    public var description: String {
        switch self {
        case .processType(let type):
            "invalid process type '\(ConfigVarText.shown(type))': use 1 to \(Formation.maximumTypeLength) letters, digits, '-' or '_', as in a Procfile"
        case .quantity(let type, let quantity):
            "invalid count \(quantity) for process type '\(type)': use 0 to \(Formation.maximumQuantity)"
        }
    }
}
