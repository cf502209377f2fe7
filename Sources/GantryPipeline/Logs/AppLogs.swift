import Foundation
import GantryCore

extension LogLine {
    /// Now, as the log files write it.
    static func now() -> String {
        var now = timespec()
        clock_gettime(CLOCK_REALTIME, &now)
        var seconds = now.tv_sec
        var parts = tm()
        gmtime_r(&seconds, &parts)
        return String(
            format: "%04d-%02d-%02dT%02d:%02d:%02d.%06dZ", parts.tm_year + 1900, parts.tm_mon + 1, parts.tm_mday,
            parts.tm_hour, parts.tm_min, parts.tm_sec, Int(now.tv_nsec) / 1000)
    }
}


/// The logs of one app, in `DATA_DIR/logs/APP/`: a file per process (`web.1.log`, written by
/// `gantry-logger`) and `events.log` (deploys, scaling, restarts, crashes), merged by time.
public struct AppLogs: Sendable {
    let directory: String
    /// How often `follow` looks for new lines.
    var pollInterval: Duration = .milliseconds(250)
    /// After this long without a new line, `follow` yields an empty batch: the server writes
    /// a heartbeat, which is how it learns that a client went away.
    var heartbeatInterval: Duration = .seconds(5)

    public init(directory: String) {
        self.directory = directory
    }

    /// Appends a timestamped line to the event log of the app whose log directory is `directory`.
    static func appendEvent(_ text: String, to directory: String) {
        try? FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        append("\(LogLine.now()) \(text)", to: directory + "/events.log")
    }

    /// Appends `line` and a newline to the file at `path`, creating it. Errors are dropped: a
    /// full disk must not take the caller down (the old `FileHandle.write(_:)` trapped there).
    static func append(_ line: String, to path: String) {
        guard let handle = FileHandle(forWritingAtPath: path)
            ?? (FileManager.default.createFile(atPath: path, contents: nil) ? FileHandle(forWritingAtPath: path) : nil)
        else { return }
        _ = try? handle.seekToEnd()
        try? handle.write(contentsOf: Data((line + "\n").utf8))
        try? handle.close()
    }

    /// The last `query.lines` lines of the matching sources, oldest first (reaching into a
    /// just rotated `FILE.1` when the file itself has fewer).
    public func tail(_ query: LogQuery) -> [LogLine] {
        var lines: [LogLine] = []
        for source in sources(query) {
            var recent = Self.lastLines(of: source.path, count: query.lines)
            if recent.count < query.lines {  // just rotated: the rest is in FILE.1
                recent = Self.lastLines(of: source.path + ".1", count: query.lines - recent.count) + recent
            }
            lines += recent.map { LogLine($0, source: source.name) }
        }
        return Array(Self.merged(lines).suffix(query.lines))
    }

    /// `tail(query)`, then every new line as it is written (an empty batch after each
    /// `heartbeatInterval` of silence), until the consumer stops.
    public func follow(_ query: LogQuery) -> AsyncStream<[LogLine]> {
        AsyncStream { continuation in
            let task = Task {
                var offsets: [String: (inode: UInt64, offset: UInt64)] = [:]
                for source in sources(query) { offsets[source.path] = Self.position(of: source.path) }
                continuation.yield(tail(query))
                var partial: [String: String] = [:]
                var lastYield = ContinuousClock.now
                while !Task.isCancelled {
                    try? await Task.sleep(for: pollInterval)
                    var fresh: [LogLine] = []
                    for source in sources(query) {
                        let now = Self.position(of: source.path)
                        var start = offsets[source.path] ?? (now.inode, 0)
                        if start.inode != now.inode || now.offset < start.offset { start = (now.inode, 0) }  // rotated
                        guard now.offset > start.offset else { continue }
                        let text = (partial[source.path] ?? "") + Self.read(source.path, from: start.offset, to: now.offset)
                        var complete = text.split(separator: "\n", omittingEmptySubsequences: false)
                        partial[source.path] = String(complete.removeLast())
                        fresh += complete.map { LogLine($0, source: source.name) }
                        offsets[source.path] = now
                    }
                    if !fresh.isEmpty || ContinuousClock.now - lastYield >= heartbeatInterval {
                        continuation.yield(Self.merged(fresh))
                        lastYield = ContinuousClock.now
                    }
                }
                continuation.finish()
            }
            continuation.onTermination = { _ in task.cancel() }
        }
    }

    struct Source {
        var name: String
        var path: String
    }

    /// The log files that match `query`: `app[web.1]` for `web.1.log`, `gantry` for the events.
    func sources(_ query: LogQuery) -> [Source] {
        let names = (try? FileManager.default.contentsOfDirectory(atPath: directory)) ?? []
        return names.sorted().compactMap { name in
            guard name.hasSuffix(".log") else { return nil }
            let process = String(name.dropLast(4))
            if process == "events" {
                return query.process == nil ? Source(name: "gantry", path: directory + "/" + name) : nil
            }
            if let wanted = query.process, wanted != process, !process.hasPrefix(wanted + ".") { return nil }
            return Source(name: "app[\(process)]", path: directory + "/" + name)
        }
    }

    static func merged(_ lines: [LogLine]) -> [LogLine] {
        // Stable: lines of one source with equal timestamps keep their order.
        lines.enumerated().sorted { ($0.element.timestamp, $0.offset) < ($1.element.timestamp, $1.offset) }.map(\.element)
    }

    /// The last `count` complete lines of a file, reading 64 KiB blocks from its end.
    static func lastLines(of path: String, count: Int) -> [Substring] {
        guard count > 0, let handle = FileHandle(forReadingAtPath: path) else { return [] }
        defer { try? handle.close() }
        var start = (try? handle.seekToEnd()) ?? 0
        var data = Data()
        while start > 0, data.count(where: { $0 == UInt8(ascii: "\n") }) <= count {
            let length = min(64 << 10, start)
            start -= length
            try? handle.seek(toOffset: start)
            data = ((try? handle.read(upToCount: Int(length))) ?? nil ?? Data()) + data
        }
        var lines = String(decoding: data, as: UTF8.self).split(separator: "\n", omittingEmptySubsequences: false)
        if lines.last?.isEmpty == true { lines.removeLast() }
        if start > 0, !lines.isEmpty { lines.removeFirst() }  // begins mid-line
        return Array(lines.suffix(count))
    }

    static func position(of path: String) -> (inode: UInt64, offset: UInt64) {
        var info = stat()
        guard stat(path, &info) == 0 else { return (0, 0) }
        return (UInt64(info.st_ino), UInt64(info.st_size))
    }

    static func read(_ path: String, from start: UInt64, to end: UInt64) -> String {
        guard let handle = FileHandle(forReadingAtPath: path) else { return "" }
        defer { try? handle.close() }
        try? handle.seek(toOffset: start)
        let data = (try? handle.read(upToCount: Int(end - start))) ?? nil
        return String(decoding: data ?? Data(), as: UTF8.self)
    }
}
