import Foundation
import GantryGit
import Testing

@Suite struct GzipInflaterTests {
    /// `bytes` gzipped by the system's gzip.
    func gzipped(_ bytes: [UInt8]) throws -> [UInt8] {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/bin/gzip")
        process.arguments = ["-c"]
        let input = Pipe(), output = Pipe()
        process.standardInput = input
        process.standardOutput = output
        try process.run()
        let writer = Thread { input.fileHandleForWriting.write(Data(bytes)); try? input.fileHandleForWriting.close() }
        writer.start()
        let data = output.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return Array(data)
    }

    @Test func inflatesAGzippedBodyFedInSmallChunks() throws {
        let body = Array(String(repeating: "0032want 1234567890123456789012345678901234567890\n", count: 2000).utf8)
        let compressed = try gzipped(body)
        let inflater = try GzipInflater(limit: 1 << 20)
        var output: [UInt8] = []
        var rest = compressed[...]
        while !rest.isEmpty {
            output += try inflater.inflate(Array(rest.prefix(7)))
            rest = rest.dropFirst(7)
        }
        try inflater.finish()
        #expect(output == body)
    }

    @Test func stopsABodyThatInflatesPastTheLimit() throws {
        let bomb = try gzipped([UInt8](repeating: 0, count: 8 << 20))
        #expect(bomb.count < 20_000)
        let inflater = try GzipInflater(limit: 1 << 20)
        #expect(throws: GzipError.tooLarge(limit: 1 << 20)) { _ = try inflater.inflate(bomb) }
    }

    @Test func refusesBytesThatAreNotGzipACutStreamAndTrailingBytes() throws {
        #expect(throws: GzipError.self) { _ = try GzipInflater(limit: 1 << 20).inflate(Array("0000 not gzip".utf8)) }
        let compressed = try gzipped(Array("0000".utf8))
        let cut = try GzipInflater(limit: 1 << 20)
        _ = try cut.inflate(Array(compressed.dropLast(4)))
        #expect(throws: GzipError.self) { try cut.finish() }
        #expect(throws: GzipError.self) { _ = try GzipInflater(limit: 1 << 20).inflate(compressed + [1, 2, 3]) }
    }
}
