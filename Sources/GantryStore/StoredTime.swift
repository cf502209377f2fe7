import struct Foundation.Date
import GRDB
#if canImport(Glibc)
import Glibc
#endif

/// How Gantry's tables hold a time: GRDB's own format, text `yyyy-MM-dd HH:mm:ss.SSS` in UTC,
/// which sorts as it reads and which SQLite's date functions understand.
///
/// GRDB writes that text through a `DateFormatter` and reads it back through a `Calendar`,
/// and both load ICU — about 6 MB of gantryd's idle memory, for one fixed format. Gantry's
/// records and queries write and read the same text by hand, so files written before read
/// the same.
enum StoredTime {
    /// `date` as stored, to the nearest millisecond (as GRDB's formatter rounds).
    static func text(_ date: Date) -> String {
        let milliseconds = Int64((date.timeIntervalSince1970 * 1000).rounded())
        var seconds = time_t(milliseconds.floorDivided(by: 1000))
        var parts = tm()
        gmtime_r(&seconds, &parts)
        func digits(_ value: Int32, _ count: Int) -> String {
            let text = String(value)
            return String(repeating: "0", count: max(0, count - text.count)) + text
        }
        return digits(parts.tm_year + 1900, 4) + "-" + digits(parts.tm_mon + 1, 2) + "-" + digits(parts.tm_mday, 2)
            + " " + digits(parts.tm_hour, 2) + ":" + digits(parts.tm_min, 2) + ":" + digits(parts.tm_sec, 2)
            + "." + digits(Int32(milliseconds - Int64(seconds) * 1000), 3)
    }

    /// The time a stored value holds: the text above (the seconds and their fraction may be
    /// left out, `T` may separate date and time, a trailing `Z` is allowed), or a number of
    /// seconds since 1970 as GRDB also accepts; `nil` for anything else.
    static func date(_ value: DatabaseValue) -> Date? {
        switch value.storage {
        case .int64(let seconds): return Date(timeIntervalSince1970: Double(seconds))
        case .double(let seconds): return Date(timeIntervalSince1970: seconds)
        case .string(let text): return date(text)
        default: return nil
        }
    }

    static func date(_ text: String) -> Date? {
        var bytes = Array(text.utf8)[...]
        if bytes.last == UInt8(ascii: "Z") { bytes.removeLast() }
        func number(_ count: Int) -> Int32? {
            guard bytes.count >= count else { return nil }
            var value: Int32 = 0
            for byte in bytes.prefix(count) {
                guard (0x30...0x39).contains(byte) else { return nil }
                value = value * 10 + Int32(byte - 0x30)
            }
            bytes.removeFirst(count)
            return value
        }
        func separator(_ allowed: String) -> Bool {
            guard let first = bytes.first, allowed.utf8.contains(first) else { return false }
            bytes.removeFirst()
            return true
        }
        guard let year = number(4), separator("-"), let month = number(2), separator("-"), let day = number(2),
              separator(" T"), let hour = number(2), separator(":"), let minute = number(2)
        else { return nil }
        var second: Int32 = 0
        var fraction = 0.0
        if separator(":") {
            guard let value = number(2) else { return nil }
            second = value
            if separator(".") {
                var scale = 0.1
                while let byte = bytes.first, (0x30...0x39).contains(byte) {
                    fraction += Double(byte - 0x30) * scale
                    scale /= 10
                    bytes.removeFirst()
                }
            }
        }
        guard bytes.isEmpty, (1...12).contains(month), (1...31).contains(day), hour < 24, minute < 60, second < 61 else { return nil }
        var parts = tm()
        parts.tm_year = year - 1900
        parts.tm_mon = month - 1
        parts.tm_mday = day
        parts.tm_hour = hour
        parts.tm_min = minute
        parts.tm_sec = second
        return Date(timeIntervalSince1970: Double(timegm(&parts)) + fraction)
    }
}

/// A record whose dates are stored by `StoredTime` rather than GRDB's formatter.
protocol StoredTimeRecord: FetchableRecord, EncodableRecord {}

extension StoredTimeRecord {
    static func databaseDateEncodingStrategy(for column: String) -> DatabaseDateEncodingStrategy {
        .custom { StoredTime.text($0) }
    }

    static func databaseDateDecodingStrategy(for column: String) -> DatabaseDateDecodingStrategy {
        .custom { StoredTime.date($0) }
    }
}

private extension Int64 {
    func floorDivided(by divisor: Int64) -> Int64 {
        let quotient = self / divisor
        return (self % divisor < 0) ? quotient - 1 : quotient
    }
}
