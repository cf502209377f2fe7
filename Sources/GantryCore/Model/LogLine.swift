/// One line of an app's logs: when, from where (`app[web.1]`, `gantry`), what.
public struct LogLine: Hashable, Sendable {
    /// `2026-11-25T19:00:00.123456Z`: fixed width, so text order is time order.
    public var timestamp: String
    public var source: String
    public var text: String

    /// `2026-11-25T19:00:00.123456Z app[web.1]: text`.
    public var formatted: String { "\(timestamp) \(source): \(text)" }

    /// A line as `gantry-logger` and the deployer's event log write it: `TIMESTAMP text`.
    public init(_ line: Substring, source: String) {
        let space = line.firstIndex(of: " ")
        if let space, line[..<space].count == LogLine.timestampLength, line[line.startIndex...].first?.isNumber == true {
            timestamp = String(line[..<space])
            text = String(line[line.index(after: space)...])
        } else {
            timestamp = String(repeating: " ", count: LogLine.timestampLength)
            text = String(line)
        }
        self.source = source
    }

    public static let timestampLength = 27
}

/// What `gantry logs` asks for.
public struct LogQuery: Hashable, Sendable {
    /// The most lines of history, across sources (then new lines with `follow`).
    public var lines: Int
    /// Only this process (`web.1`) or process type (`web`); `nil` for all and the events.
    public var process: String?
    public var follow: Bool

    public static let maximumLines = 10_000

    public init(lines: Int = 100, process: String? = nil, follow: Bool = false) {
        self.lines = lines
        self.process = process
        self.follow = follow
    }
}

