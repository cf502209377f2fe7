import Foundation
import GantryCore
import GantryRuntime
import GantryTesting
import Testing

/// `gantry-logger`, between the detached containers' output and their log files.
@Suite struct LogWriterTests {
    /// Whether `line` starts with `2026-11-25T19:00:00.123456Z `.
    static func isTimestamped(_ line: Substring) -> Bool {
        line.prefixMatch(of: #/\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{6}Z /#) != nil
    }

    /// Runs gantry-logger on one FIFO that `input` is written into, then stops it (SIGTERM:
    /// it logs what it read); returns the directory holding `app.log` and its rotations.
    func log(_ input: String, maximumBytes: Int? = nil, keep: Int? = nil) async throws -> String {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("gantry-logger-\(UUID().uuidString)").path
        let fifos = directory + "/fifos"
        try FileManager.default.createDirectory(atPath: fifos, withIntermediateDirectories: true)
        #expect(mkfifo(fifos + "/t-app.fifo", 0o600) == 0)
        try FileManager.default.createSymbolicLink(atPath: fifos + "/t-app.log", withDestinationPath: directory + "/app.log")
        let logger = RuncRuntime.siblingLogWriter, arguments = [fifos] + [maximumBytes.map(String.init), keep.map(String.init)].compactMap { $0 }
        // Waiting for the logger, opening its FIFO and waiting for it to exit all block.
        let status = try await blocking {
            let process = Process()
            process.executableURL = URL(fileURLWithPath: logger)
            process.arguments = arguments
            try Shell.start(process)
            while !FileManager.default.fileExists(atPath: fifos + "/logger.pid") { usleep(10_000) }
            let writer = try FileHandle(forWritingTo: URL(fileURLWithPath: fifos + "/t-app.fifo"))
            try writer.write(contentsOf: Data(input.utf8))
            try writer.close()
            process.terminate()
            process.waitUntilExit()
            return process.terminationStatus
        }
        #expect(status == 0)
        try FileManager.default.removeItem(atPath: fifos)
        return directory
    }

    func lines(_ path: String) -> [Substring] {
        ((try? String(contentsOfFile: path, encoding: .utf8)) ?? "").split(separator: "\n")
    }

    @Test func everyLineGetsAUTCTimestampWithMicroseconds() async throws {
        let directory = try await log("first\nsecond line\n\nno newline at the end")
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let written = lines(directory + "/app.log")
        #expect(written.count == 4)
        #expect(written.allSatisfy(Self.isTimestamped))
        #expect(written.map { LogLine($0, source: "app[web.1]").text } == ["first", "second line", "", "no newline at the end"])
        #expect(written.map { $0.prefix(27) } == written.map { $0.prefix(27) }.sorted())
    }

    @Test func aVeryLongLineIsCutIntoTimestampedPieces() async throws {
        let directory = try await log(String(repeating: "x", count: 40_000) + "\n")
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let pieces = lines(directory + "/app.log").map { LogLine($0, source: "").text }
        #expect(pieces.map(\.count) == [16_384, 16_384, 7_232])
    }

    @Test func theFileRotatesAtItsSizeAndKeepsTheNewestFiles() async throws {
        let input = (1...40).map { "line \($0) " + String(repeating: "-", count: 60) }.joined(separator: "\n") + "\n"
        let directory = try await log(input, maximumBytes: 1000, keep: 2)
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let files = try FileManager.default.contentsOfDirectory(atPath: directory).sorted()
        #expect(files == ["app.log", "app.log.1", "app.log.2"])
        let sizes = try files.map { try FileManager.default.attributesOfItem(atPath: directory + "/" + $0)[.size] as? Int ?? 0 }
        #expect(sizes.allSatisfy { $0 < 1000 + 100 })
        // The newest lines survive, in order across the files.
        let kept = (lines(directory + "/app.log.2") + lines(directory + "/app.log.1") + lines(directory + "/app.log"))
            .map { LogLine($0, source: "").text }
        #expect(kept.last == "line 40 " + String(repeating: "-", count: 60))
        #expect(kept.count < 40 && kept == (41 - kept.count...40).map { "line \($0) " + String(repeating: "-", count: 60) })
    }
}
