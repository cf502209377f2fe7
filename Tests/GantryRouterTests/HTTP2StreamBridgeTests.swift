import NIOCore
import NIOEmbedded
import NIOHPACK
import NIOHTTP2
import Testing

@testable import GantryRouter

/// The bridge alone, on an embedded channel: HTTP/2 frames in, the HTTP/1.1 bytes the client
/// handler reads; its HTTP/1.1 bytes out, the frames the client gets.
@Suite struct HTTP2StreamBridgeTests {
    private func request(_ fields: [(String, String)], endStream: Bool) throws -> (EmbeddedChannel, String?) {
        let channel = EmbeddedChannel(handler: HTTP2StreamBridge())
        try channel.writeInbound(HTTP2Frame.FramePayload.headers(.init(headers: HPACKHeaders(fields), endStream: endStream)))
        let head = try channel.readInbound(as: ByteBuffer.self).map { String(buffer: $0) }
        return (channel, head)
    }

    @Test func requestHeadersBecomeAnHTTP1Head() throws {
        let (_, head) = try request(
            [(":method", "GET"), (":path", "/a?b=1"), (":scheme", "https"), (":authority", "www.example.test"),
             ("cookie", "a=1"), ("accept", "*/*"), ("cookie", "b=2"), ("host", "ignored.test")],
            endStream: true)
        #expect(head == "GET /a?b=1 HTTP/1.1\r\nhost: www.example.test\r\naccept: */*\r\ncookie: a=1; b=2\r\nconnection: close\r\n\r\n")
    }

    @Test func aBodyWithoutLengthIsChunked() throws {
        let (channel, head) = try request([(":method", "POST"), (":path", "/up"), (":scheme", "https"), (":authority", "a.test")], endStream: false)
        #expect(head?.contains("transfer-encoding: chunked\r\n") == true)
        try channel.writeInbound(HTTP2Frame.FramePayload.data(.init(data: .byteBuffer(ByteBuffer(string: "hello")))))
        try channel.writeInbound(HTTP2Frame.FramePayload.data(.init(data: .byteBuffer(ByteBuffer(string: "!")), endStream: true)))
        var body = ""
        while let part = try channel.readInbound(as: ByteBuffer.self) { body += String(buffer: part) }
        #expect(body == "5\r\nhello\r\n1\r\n!\r\n0\r\n\r\n")
    }

    @Test func aBodyWithLengthGoesAsItCame() throws {
        let (channel, head) = try request(
            [(":method", "PUT"), (":path", "/up"), (":scheme", "https"), (":authority", "a.test"), ("content-length", "5")], endStream: false)
        #expect(head?.contains("content-length: 5\r\n") == true && head?.contains("chunked") == false)
        try channel.writeInbound(HTTP2Frame.FramePayload.data(.init(data: .byteBuffer(ByteBuffer(string: "hello")), endStream: true)))
        #expect(try channel.readInbound(as: ByteBuffer.self).map { String(buffer: $0) } == "hello")
    }

    @Test func fieldsThatCouldInjectAreRefused() throws {
        for fields in [[("x-a", "1\r\nx-injected: 2")], [("x a", "1")], [("x-a", "nul\u{0}")]] {
            let (channel, head) = try request(
                [(":method", "GET"), (":path", "/"), (":scheme", "https"), (":authority", "a.test")] + fields, endStream: true)
            #expect(head == nil)
            guard case .rstStream = try channel.readOutbound(as: HTTP2Frame.FramePayload.self) else {
                Issue.record("no reset for \(fields)")
                continue
            }
        }
        let (_, badPath) = try request([(":method", "GET"), (":path", "/ HTTP/1.1\r\nx: y"), (":authority", "a.test")], endStream: true)
        #expect(badPath == nil)
    }

    @Test func theResponseBecomesFramesWithoutHopByHopFields() throws {
        let (channel, _) = try request([(":method", "GET"), (":path", "/"), (":scheme", "https"), (":authority", "a.test")], endStream: true)
        for piece in ["HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 200 OK\r\nX-App: yes\r\ntransfer-enc", "oding: chunked\r\nconnection: close\r\n\r\n5\r\nhel",
                      "lo\r\n0\r\n\r\n"] {
            try channel.writeOutbound(ByteBuffer(string: piece))
        }
        guard case .headers(let informational) = try channel.readOutbound(as: HTTP2Frame.FramePayload.self),
            case .headers(let headers) = try channel.readOutbound(as: HTTP2Frame.FramePayload.self)
        else {
            Issue.record("no HEADERS")
            return
        }
        #expect(informational.headers.first(name: ":status") == "100" && !informational.endStream)
        #expect(headers.headers.map { "\($0.name): \($0.value)" } == [":status: 200", "x-app: yes"])
        #expect(!headers.endStream)
        var body = ""
        var ended = false
        while let frame = try channel.readOutbound(as: HTTP2Frame.FramePayload.self) {
            guard case .data(let data) = frame, case .byteBuffer(let bytes) = data.data else { continue }
            body += String(buffer: bytes)
            ended = data.endStream
        }
        #expect(body == "hello" && ended)
    }

    @Test func aResponseWithoutBodyEndsWithItsHeaders() throws {
        let (channel, _) = try request([(":method", "HEAD"), (":path", "/"), (":scheme", "https"), (":authority", "a.test")], endStream: true)
        try channel.writeOutbound(ByteBuffer(string: "HTTP/1.1 200 OK\r\ncontent-length: 12\r\n\r\n"))
        guard case .headers(let headers) = try channel.readOutbound(as: HTTP2Frame.FramePayload.self) else {
            Issue.record("no HEADERS")
            return
        }
        #expect(headers.endStream && headers.headers.first(name: "content-length") == "12")
    }
}
