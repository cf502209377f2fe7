/// How long a new API token lives: the `--expires` argument of `gantry tokens:create`.
public struct TokenLifetime: Hashable, Sendable {
    /// The longest lifetime gantryd accepts: 3650 days.
    public static let maximumSeconds = 3650 * 86_400

    /// The units, as typed after the number.
    static let units: [Character: Int] = ["s": 1, "m": 60, "h": 3_600, "d": 86_400, "w": 7 * 86_400]

    /// The lifetime in seconds, 1 to `maximumSeconds`: `CreateToken.expiresIn`.
    public let seconds: Int

    /// Parses a whole number followed by one unit: `30s`, `15m`, `12h`, `90d`, `2w`.
    /// - Throws: `InvalidTokenLifetime` saying what to write instead.
    public init(parsing text: String) throws(InvalidTokenLifetime) {
        guard let unit = text.last, let size = Self.units[unit] else {
            throw InvalidTokenLifetime(text: text, reason: "it does not end in a unit")
        }
        let digits = text.dropLast()
        guard !digits.isEmpty, digits.allSatisfy({ $0.isASCII && $0.isNumber }) else {
            throw InvalidTokenLifetime(text: text, reason: "what comes before the unit is not a whole number")
        }
        let tooLong = InvalidTokenLifetime(text: text, reason: "it is longer than 3650 days")
        guard let count = Int(digits) else { throw tooLong }
        guard count > 0 else { throw InvalidTokenLifetime(text: text, reason: "it is zero") }
        let (seconds, overflow) = count.multipliedReportingOverflow(by: size)
        guard !overflow, seconds <= Self.maximumSeconds else { throw tooLong }
        self.seconds = seconds
    }
}

/// An `--expires` argument that is not a lifetime.
public struct InvalidTokenLifetime: Error, Equatable, Sendable, CustomStringConvertible {
    /// The argument as typed.
    public let text: String
    /// What is wrong with it: `it does not end in a unit`, `it is zero`…
    public let reason: String

    public var description: String {
        "invalid lifetime '\(text.prefix(40))': \(reason); write a number and a unit: s, m, h, d or w (such as 90d or 12h), up to 3650d"
    }
}
