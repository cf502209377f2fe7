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

    /// `value` as the API's JSON (ISO 8601 dates, sorted keys), pretty-printed for people
    /// and `jq`, slashes unescaped.
    /// - Throws: the encoder's error (not expected for API types).
    public static func json(_ value: some Encodable) throws -> String {
        let encoder = API.encoder()
        encoder.outputFormatting.formUnion([.prettyPrinted, .sortedKeys, .withoutEscapingSlashes])
        return String(decoding: try encoder.encode(value), as: UTF8.self)
    }
}
