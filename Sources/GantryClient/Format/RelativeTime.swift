import struct Foundation.Date
import struct Foundation.TimeInterval

/// "3 minutes ago"-style descriptions of moments, for listings.
public enum RelativeTime {
    /// How long before `now` the moment `date` was, in the largest whole unit:
    /// `just now` (under 5 s), `42 seconds ago`, `1 minute ago`, … `2 years ago`.
    /// Moments after `now` (clock skew) read `in 3 minutes`.
    public static func describe(_ date: Date, relativeTo now: Date = Date()) -> String {
        let interval = now.timeIntervalSince(date)
        if abs(interval) < 5 { return "just now" }
        let phrase = amount(abs(interval))
        return interval > 0 ? "\(phrase) ago" : "in \(phrase)"
    }

    private static let units: [(name: String, seconds: TimeInterval)] = [
        ("year", 365 * 86_400), ("month", 30 * 86_400), ("day", 86_400),
        ("hour", 3_600), ("minute", 60), ("second", 1),
    ]

    private static func amount(_ seconds: TimeInterval) -> String {
        for unit in units where seconds >= unit.seconds {
            let count = Int(seconds / unit.seconds)
            return "\(count) \(unit.name)\(count == 1 ? "" : "s")"
        }
        return "0 seconds"
    }
}
