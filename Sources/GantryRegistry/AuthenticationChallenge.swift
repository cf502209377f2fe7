import Foundation

/// A `WWW-Authenticate` challenge of a registry: `Basic realm="…"` or
/// `Bearer realm="https://auth.example.com/token",service="registry",scope="repository:app:push,pull"`.
struct AuthenticationChallenge: Hashable, Sendable {
    /// `basic` or `bearer`, lowercased.
    var scheme: String
    /// The parameters, names lowercased, values unquoted.
    var parameters: [String: String]

    /// The first challenge of `header` (registries send one), or `nil` when it has none.
    init?(_ header: String) {
        let trimmed = header.drop(while: \.isWhitespace)
        guard let space = trimmed.firstIndex(where: \.isWhitespace) ?? (trimmed.isEmpty ? nil : trimmed.endIndex) else { return nil }
        scheme = trimmed[..<space].lowercased()
        parameters = Self.parameters(trimmed[space...])
    }

    /// `name=value` or `name="quoted, \"escaped\""` pairs separated by commas.
    private static func parameters(_ text: Substring) -> [String: String] {
        var result: [String: String] = [:]
        var index = text.startIndex
        func skip(_ characters: String) {
            while index < text.endIndex, characters.contains(text[index]) { index = text.index(after: index) }
        }
        while index < text.endIndex {
            skip(" \t,")
            let nameStart = index
            while index < text.endIndex, text[index] != "=", text[index] != "," { index = text.index(after: index) }
            let name = text[nameStart..<index].trimmingCharacters(in: .whitespaces).lowercased()
            guard index < text.endIndex, text[index] == "=" else { continue }
            index = text.index(after: index)
            skip(" \t")
            var value = ""
            if index < text.endIndex, text[index] == "\"" {
                index = text.index(after: index)
                while index < text.endIndex, text[index] != "\"" {
                    if text[index] == "\\", text.index(after: index) < text.endIndex { index = text.index(after: index) }
                    value.append(text[index])
                    index = text.index(after: index)
                }
                if index < text.endIndex { index = text.index(after: index) }
            } else {
                while index < text.endIndex, text[index] != "," { value.append(text[index]); index = text.index(after: index) }
                value = value.trimmingCharacters(in: .whitespaces)
            }
            if !name.isEmpty { result[name] = value }
        }
        return result
    }
}
