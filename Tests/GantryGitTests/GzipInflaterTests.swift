import Foundation
import GantryGit
import GantryTesting
import Testing

@Suite struct GzipInflaterTests {
    /// `bytes` gzipped by the system's gzip.
    func gzipped(_ bytes: [UInt8]) async throws -> [UInt8] {
        let gzip = try await Shell.run("/bin/gzip", ["-c"], input: bytes, errors: .discarded, timeout: .seconds(60))
        guard gzip.status == 0 else { throw GzipFailed(status: gzip.status) }
        return gzip.bytes
    }

    struct GzipFailed: Error { var status: Int32 }

    @Test func inflatesAGzippedBodyFedInSmallChunks() async throws {
        let body = Array(String(repeating: "0032want 1234567890123456789012345678901234567890\n", count: 2000).utf8)
        let compressed = try await gzipped(body)
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

    @Test func stopsABodyThatInflatesPastTheLimit() async throws {
        let bomb = try await gzipped([UInt8](repeating: 0, count: 8 << 20))
        #expect(bomb.count < 20_000)
        let inflater = try GzipInflater(limit: 1 << 20)
        #expect(throws: GzipError.tooLarge(limit: 1 << 20)) { _ = try inflater.inflate(bomb) }
    }

    @Test func refusesBytesThatAreNotGzipACutStreamAndTrailingBytes() async throws {
        #expect(throws: GzipError.self) { _ = try GzipInflater(limit: 1 << 20).inflate(Array("0000 not gzip".utf8)) }
        let compressed = try await gzipped(Array("0000".utf8))
        let cut = try GzipInflater(limit: 1 << 20)
        _ = try cut.inflate(Array(compressed.dropLast(4)))
        #expect(throws: GzipError.self) { try cut.finish() }
        #expect(throws: GzipError.self) { _ = try GzipInflater(limit: 1 << 20).inflate(compressed + [1, 2, 3]) }
    }
}
