import Mustache

/// Values written into YAML as JSON strings (JSON is YAML): whatever a config value or a
/// command holds — quotes, line breaks, `: `, `#`, a leading `-`, `*` or `&` — stays one
/// scalar and cannot start a key, a list, a comment, an alias or a document.
public enum YAMLScalar {
    /// `text` as a double-quoted scalar that JSON and YAML 1.1/1.2 parsers read back unchanged:
    /// `"` and `\` escaped, and every character a YAML reader would refuse (C0 and C1
    /// controls, DEL, U+FFFE/U+FFFF) or fold as a line break (NEL, U+2028, U+2029) or drop
    /// (a byte-order mark) written as `\uXXXX`. Other characters stay as they are (UTF-8).
    public static func quoted(_ text: String) -> String {
        var out = "\""
        out.reserveCapacity(text.utf8.count + 2)
        for scalar in text.unicodeScalars {
            switch scalar {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            case "\t": out += "\\t"
            case "\r": out += "\\r"
            case _ where needsEscape(scalar.value): out += "\\u" + hex4(scalar.value)
            default: out.unicodeScalars.append(scalar)
            }
        }
        return out + "\""
    }

    private static func needsEscape(_ value: UInt32) -> Bool {
        value < 0x20 || (0x7F...0x9F).contains(value) || value == 0x2028 || value == 0x2029 || value == 0xFEFF || value == 0xFFFE
            || value == 0xFFFF
    }

    private static func hex4(_ value: UInt32) -> String {
        let digits = String(value, radix: 16, uppercase: true)
        return String(repeating: "0", count: 4 - digits.count) + digits
    }

    /// The name of the content type templates declare on their first line,
    /// `{{% CONTENT_TYPE: YAML }}`: with it, `{{value}}` writes `quoted(value)`.
    public static let contentTypeName = "YAML"

    /// Registers the content type with swift-mustache, once per process.
    static let registered: Void = {
        MustacheContentTypes.register(ContentType(), named: contentTypeName)
    }()

    struct ContentType: MustacheContentType {
        func escapeText(_ text: String) -> String { YAMLScalar.quoted(text) }
    }
}
