import Yams

/// YAML read as strings, maps and lists. Yams' default implicit typing (`true`, `12`, `~`)
/// is a set of regular expressions, compiled by Foundation with ICU; the YAML Gantry reads
/// (buildpack.yml, `bin/release`) holds only strings, so it is composed without those rules
/// and gantryd does not load ICU to read two names.
enum PlainYAML {
    /// Decodes `yaml` into `type`.
    /// - Throws: Yams' errors, or `DecodingError` for an empty document or a mismatch.
    static func decode<T: Decodable>(_ type: T.Type, from yaml: String) throws -> T {
        guard let node = try Yams.compose(yaml: yaml, .basic) else {
            throw DecodingError.dataCorrupted(.init(codingPath: [], debugDescription: "the YAML document is empty"))
        }
        return try YAMLDecoder().decode(type, from: node)
    }
}
