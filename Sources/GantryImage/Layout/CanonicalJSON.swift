import Foundation

/// JSON as the store writes it: keys sorted, `/` unescaped, no whitespace. Writing the same
/// value twice gives the same bytes, hence the same digest.
enum CanonicalJSON {
    static func encode(_ value: some Encodable) -> [UInt8] {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        do {
            return Array(try encoder.encode(value))
        } catch {
            preconditionFailure("encoding \(type(of: value)) cannot fail: \(error)")
        }
    }

    /// Decodes `bytes` read from `path`.
    /// - Throws: `ImageError.corruptLayout` naming the file when the JSON is not a `T`.
    static func decode<T: Decodable>(_ type: T.Type, from bytes: [UInt8], path: String, root: String) throws(ImageError) -> T {
        do {
            return try JSONDecoder().decode(type, from: Data(bytes))
        } catch {
            throw .corruptLayout(path: root, reason: "\(path) is not a valid \(T.self): \(error)")
        }
    }
}
