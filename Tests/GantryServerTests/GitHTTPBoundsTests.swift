import Foundation
import GantryCore
import GantryGit
import GantryTesting
import Testing

/// A push whose command section is 100 MB, sent raw over HTTP as no git would: refused with
/// the limit named once the section passes 4 MiB, in bounded memory, refs untouched.
@Suite struct GitHTTPBoundsTests {
    @Test func aHundredMegabyteCommandSectionIsRefusedNamingTheLimit() async throws {
        try await TestServer.with { server in
            _ = try await server.client.createApp("hello")
            _ = try await server.client.createApp("other")
            let port = Int(server.url.split(separator: ":").last!)!
            let fd = try Socket.connectLoopback(port: port)
            defer { close(fd) }
            let credentials = Data("git:\(server.token)".utf8).base64EncodedString()
            try Socket.sendAll(fd, Array((
                "POST /hello.git/git-receive-pack HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Basic \(credentials)\r\n"
                    + "Content-Type: application/x-git-receive-pack-request\r\nContent-Length: 100000000\r\n\r\n").utf8))

            // 1 MB of command lines at a time, until 100 MB went or the server answered.
            let line = PktLine.encode(Array("\(ObjectID.zero.hex) \(String(repeating: "1", count: 40)) refs/heads/branch-0000000000000\n".utf8))
            let chunk = Array([[UInt8]](repeating: line, count: 1_000_000 / line.count).joined())
            let before = Socket.residentBytes()
            var sent = 0
            var answer: [UInt8] = []
            let deadline = ContinuousClock.now + .seconds(60)
            while sent < 100_000_000 && answer.isEmpty && ContinuousClock.now < deadline {
                let start = sent % chunk.count  // whole pkt-lines only: a partial send resumes where it stopped
                let count = chunk[start...].withUnsafeBytes { send(fd, $0.baseAddress, min($0.count, 100_000_000 - sent), Int32(MSG_DONTWAIT | MSG_NOSIGNAL)) }
                if count > 0 { sent += count } else if errno != EAGAIN && errno != EWOULDBLOCK { break }
                answer += Self.available(fd)
                if count <= 0 { try await Task.sleep(for: .milliseconds(10)) }
            }
            while ContinuousClock.now < deadline && !String(decoding: answer, as: UTF8.self).contains("push fewer refs") {
                answer += Self.available(fd)
                try await Task.sleep(for: .milliseconds(20))
            }
            let text = String(decoding: answer, as: UTF8.self)
            #expect(text.hasPrefix("HTTP/1.1 413"), "\(text.prefix(300))")
            #expect(text.contains("larger than the limit of 4194304 bytes"), "\(text.prefix(600))")
            #expect(sent < 50_000_000, "the server read \(sent) bytes before answering")
            #expect(Socket.residentBytes() - before < 64 << 20)

            for app in ["hello", "other"] {
                #expect(try Repository.open(at: server.dataDirectory.repository(for: AppName(app))).references().isEmpty)
            }
            let health = try await server.gitRequest(.get, "/healthz")
            #expect(health.status == 200)
        }
    }

    /// What `fd` has to read now, without waiting.
    static func available(_ fd: Int32) -> [UInt8] {
        var buffer = [UInt8](repeating: 0, count: 65_536)
        let count = buffer.withUnsafeMutableBytes { recv(fd, $0.baseAddress, $0.count, Int32(MSG_DONTWAIT)) }
        return count > 0 ? Array(buffer[0..<count]) : []
    }
}
