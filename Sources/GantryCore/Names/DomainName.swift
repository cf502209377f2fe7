/// A custom domain an app is served at (`www.example.com`, `*.example.com`).
///
/// RFC 1123 host names: labels of 1 to 63 letters, digits and dashes, not starting or ending
/// with a dash, at least two labels, 253 characters at most; IDNA names in their punycode
/// form (`xn--bcher-kva.example`) are such names. Letters are lower-cased first. A wildcard
/// `*.` may stand as the whole first label, over at least two more labels. An IP address is
/// not a domain (its last label would be all digits).
public struct DomainName: ValidatedName, Comparable {
    public static let maximumLength = 253

    /// The validated name, lower-cased.
    public let rawValue: String

    /// Validates `text`, lower-cased.
    /// - Throws: `InvalidDomainName` naming what is wrong with it.
    public init(_ text: String) throws(InvalidDomainName) {
        let name = String(text.unicodeScalars.map { ("A"..."Z").contains($0) ? Character(Unicode.Scalar($0.value + 32)!) : Character($0) })
        if let reason = Self.problem(with: name) {
            throw InvalidDomainName(name: text, reason: reason)
        }
        self.rawValue = name
    }

    /// `*.example.com`: it matches every name one label deeper than `example.com`.
    public var isWildcard: Bool { rawValue.hasPrefix("*.") }

    private static func problem(with name: String) -> String? {
        if name.isEmpty { return "it is empty" }
        if name.utf8.count > maximumLength { return "it is longer than \(maximumLength) characters" }
        var labels = name.split(separator: ".", omittingEmptySubsequences: false)
        if labels.first == "*" { labels.removeFirst() }
        guard labels.count >= 2 else { return name.hasPrefix("*.") ? "a wildcard needs two labels after '*.'" : "it has a single label; use a full name such as www.example.com" }
        for label in labels {
            if label.isEmpty { return "it has an empty label (two dots, or a dot at an end)" }
            if label.utf8.count > 63 { return "the label '\(label.prefix(20))…' is longer than 63 characters" }
            for scalar in label.unicodeScalars {
                switch scalar {
                case "a"..."z", "0"..."9", "-": continue
                case "*": return "'*' may only stand alone as the first label (*.example.com)"
                default: return "it contains '\(scalar.escaped(asASCII: true))' (write an international name in punycode: xn--…)"
                }
            }
            if label.hasPrefix("-") || label.hasSuffix("-") { return "the label '\(label)' starts or ends with a dash" }
        }
        if labels.last!.allSatisfy(\.isNumber) { return "it is an IP address or ends in a number; domains end in a name (.com, .example)" }
        return nil
    }
}

/// A string that is not a valid domain.
public struct InvalidDomainName: Error, Equatable, Sendable, CustomStringConvertible {
    public let name: String
    public let reason: String

    public var description: String {
        "invalid domain '\(name.prefix(80))': \(reason)"
    }
}

extension DomainName {
    /// Whether a certificate for `names` (its DNS names, lower-case) covers this domain: the
    /// same name, or for a name a wildcard `*.parent` of its parent. A wildcard domain is covered
    /// only by the same wildcard.
    public func isCovered(byCertificateNames names: [String]) -> Bool {
        if names.contains(rawValue) { return true }
        guard !isWildcard, let dot = rawValue.firstIndex(of: ".") else { return false }
        return names.contains("*" + rawValue[dot...])
    }
}
