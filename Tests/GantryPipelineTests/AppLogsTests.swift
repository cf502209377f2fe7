import Foundation
import GantryCore
@testable import GantryPipeline
import Testing

/// `AppLogs`: the per-process log files and the event log of one app, merged by time.
@Suite struct AppLogsTests {
    let directory = FileManager.default.temporaryDirectory.appendingPathComponent("gantry-logs-\(UUID().uuidString)").path

    init() throws {
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        try write("web.1.log", ["2026-11-25T10:00:01.000000Z web one", "2026-11-25T10:00:03.000000Z web three"])
        try write("web.2.log", ["2026-11-25T10:00:02.000000Z web two"])
        try write("worker.1.log", ["2026-11-25T10:00:04.000000Z working"])
        try write("events.log", ["2026-11-25T10:00:00.000000Z release v1 is live: web.1"])
    }

    func write(_ name: String, _ lines: [String], append: Bool = false) throws {
        let path = directory + "/" + name
        let text = lines.map { $0 + "\n" }.joined()
        if append, let handle = FileHandle(forWritingAtPath: path) {
            handle.seekToEndOfFile()
            handle.write(Data(text.utf8))
            try handle.close()
        } else {
            try text.write(toFile: path, atomically: false, encoding: .utf8)
        }
    }

    @Test func tailMergesEveryProcessAndTheEventsByTime() {
        defer { try? FileManager.default.removeItem(atPath: directory) }
        #expect(AppLogs(directory: directory).tail(LogQuery()).map(\.formatted) == [
            "2026-11-25T10:00:00.000000Z gantry: release v1 is live: web.1",
            "2026-11-25T10:00:01.000000Z app[web.1]: web one",
            "2026-11-25T10:00:02.000000Z app[web.2]: web two",
            "2026-11-25T10:00:03.000000Z app[web.1]: web three",
            "2026-11-25T10:00:04.000000Z app[worker.1]: working",
        ])
    }

    @Test func tailKeepsTheNewestLinesAndFiltersByProcessOrType() {
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let logs = AppLogs(directory: directory)
        #expect(logs.tail(LogQuery(lines: 2)).map(\.text) == ["web three", "working"])
        #expect(logs.tail(LogQuery(process: "web.1")).map(\.text) == ["web one", "web three"])
        #expect(logs.tail(LogQuery(process: "web")).map(\.text) == ["web one", "web two", "web three"])
        #expect(logs.tail(LogQuery(process: "we")).isEmpty)
    }

    @Test func tailReachesIntoTheRotatedFileWhenTheCurrentOneIsShort() throws {
        defer { try? FileManager.default.removeItem(atPath: directory) }
        try write("web.1.log.1", ["2026-11-25T09:59:58.000000Z older", "2026-11-25T09:59:59.000000Z old"])
        let logs = AppLogs(directory: directory)
        #expect(logs.tail(LogQuery(lines: 3, process: "web.1")).map(\.text) == ["old", "web one", "web three"])
        #expect(logs.tail(LogQuery(lines: 2, process: "web.1")).map(\.text) == ["web one", "web three"])
    }

    @Test func lastLinesReadsAcrossBlocksFromTheEnd() throws {
        defer { try? FileManager.default.removeItem(atPath: directory) }
        try write("big.log", (1...20_000).map { "2026-11-25T10:00:00.000000Z line \($0) " + String(repeating: "=", count: 20) })
        let lines = AppLogs.lastLines(of: directory + "/big.log", count: 5_000)
        #expect(lines.count == 5_000)
        #expect(lines.first?.hasSuffix("line 15001 " + String(repeating: "=", count: 20)) == true)
        #expect(lines.last?.hasSuffix("line 20000 " + String(repeating: "=", count: 20)) == true)
    }

    @Test func followYieldsTheTailThenNewLinesAndSurvivesRotation() async throws {
        defer { try? FileManager.default.removeItem(atPath: directory) }
        var logs = AppLogs(directory: directory)
        logs.pollInterval = .milliseconds(20)
        var batches = logs.follow(LogQuery(lines: 1, process: "web.1")).makeAsyncIterator()
        #expect(await batches.next()?.map(\.text) == ["web three"])

        try write("web.1.log", ["2026-11-25T10:00:05.000000Z web four"], append: true)
        #expect(await batches.next()?.map(\.text) == ["web four"])

        try FileManager.default.moveItem(atPath: directory + "/web.1.log", toPath: directory + "/web.1.log.1")
        try write("web.1.log", ["2026-11-25T10:00:06.000000Z after rotation"])
        #expect(await batches.next()?.map(\.text) == ["after rotation"])
    }
}
