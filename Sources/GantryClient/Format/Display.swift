import Foundation
import GantryCore

/// How the CLI shows API values: short commit ranges, timestamps, JSON.
public enum Display {
    /// `abc1234..def5678`; a first push (old commit zero) shows the new commit alone.
    public static func commitRange(old: ObjectID, new: ObjectID) -> String {
        old.isZero ? new.short : "\(old.short)..\(new.short)"
    }

    /// `2025-01-02T03:04:05Z (3 minutes ago)`.
    public static func timestamp(_ date: Date, relativeTo now: Date = Date()) -> String {
        "\(date.formatted(.iso8601)) (\(RelativeTime.describe(date, relativeTo: now)))"
    }

    /// `2.5 s`.
    public static func seconds(_ seconds: Double) -> String {
        String(format: "%.1f s", seconds)
    }

    /// A branch ref as its branch name (`main`); any other ref in full.
    public static func ref(_ ref: RefName) -> String {
        ref.branchName ?? ref.rawValue
    }

    /// `text` safe to print in a table: every control character (C0, DEL, C1), format
    /// character (bidirectional overrides, zero-width joiners…) and line or paragraph separator
    /// written as a Swift escape (`\n`, `\u{1B}`, `\u{202E}`), so text from elsewhere (the
    /// audit log keeps what callers sent) can neither drive the terminal nor forge lines.
    public static func printable(_ text: some StringProtocol) -> String {
        var output = ""
        for scalar in text.unicodeScalars {
            switch scalar.properties.generalCategory {
            case .control, .format, .lineSeparator, .paragraphSeparator, .surrogate, .unassigned:
                output += scalar.escaped(asASCII: true)
            default:
                output.unicodeScalars.append(scalar)
            }
        }
        return output
    }

    /// `printable(text)`, cut to `maximumLength` characters with `…`.
    public static func cell(_ text: some StringProtocol, maximumLength: Int = 60) -> String {
        let shown = printable(text)
        return shown.count > maximumLength ? shown.prefix(maximumLength - 1) + "…" : shown
    }

    /// `value` as the API's JSON (ISO 8601 dates, sorted keys), pretty-printed for people
    /// and `jq`, slashes unescaped.
    /// - Throws: the encoder's error (not expected for API types).
    public static func json(_ value: some Encodable) throws -> String {
        let encoder = API.encoder()
        encoder.outputFormatting.formUnion([.prettyPrinted, .sortedKeys, .withoutEscapingSlashes])
        return String(decoding: try encoder.encode(value), as: UTF8.self)
    }
}
