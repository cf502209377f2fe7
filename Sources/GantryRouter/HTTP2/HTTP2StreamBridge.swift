import NIOCore
import NIOHPACK
import NIOHTTP2

/// Makes one HTTP/2 stream look like an HTTP/1.1 connection carrying one request, so the
/// router's own `ClientHandler` serves it exactly as it serves HTTP/1: the same route lookup,
/// request ids, `X-Forwarded-*`, hop-by-hop rules, strict head parsing, error pages, observer
/// records, timeouts and backpressure, and the same pooled HTTP/1.1 backend connections.
///
/// Inbound, the stream's HEADERS become an HTTP/1.1 request head with `Connection: close` (one
/// request per stream; the client handler closes the stream after the response), DATA frames
/// the body: as they came under a `Content-Length`, else in chunks. Outbound, the client
/// handler's HTTP/1.1 response is read back with the router's parser and sent as HEADERS and
/// DATA frames (1xx heads as informational HEADERS, chunk framing removed, hop-by-hop fields
/// dropped).
///
/// Flow control does the backpressure: the stream channel's `autoRead` is off, the client
/// handler reads only while the backend can take more (WINDOW_UPDATEs follow the reads), and
/// the stream channel's writability follows the client's window.
final class HTTP2StreamBridge: ChannelDuplexHandler, RemovableChannelHandler {
    typealias InboundIn = HTTP2Frame.FramePayload
    typealias InboundOut = ByteBuffer
    typealias OutboundIn = ByteBuffer
    typealias OutboundOut = HTTP2Frame.FramePayload

    private enum RequestState {
        case head
        /// Body bytes go on as they came (`Content-Length`) or in chunks.
        case body(chunked: Bool)
        case done
    }

    private enum ResponseState {
        /// Collecting the response head's bytes.
        case head(ByteBuffer?, scanned: Int)
        case body(BodyFramer)
        case done
    }

    private var request = RequestState.head
    private var response = ResponseState.head(nil, scanned: 0)
    private var isHEAD = false

    // MARK: - Request: HTTP/2 frames → HTTP/1.1 bytes

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        switch (unwrapInboundIn(data), request) {
        case (.headers(let headers), .head):
            guard let head = requestHead(headers.headers, endStream: headers.endStream, allocator: context.channel.allocator) else {
                // Bytes that could smuggle a field into the HTTP/1 head: refuse the stream.
                request = .done
                context.writeAndFlush(wrapOutboundOut(.rstStream(.protocolError)), promise: nil)
                context.close(promise: nil)
                return
            }
            context.fireChannelRead(wrapInboundOut(head))
        case (.data(let data), .body(let chunked)):
            guard case .byteBuffer(let bytes) = data.data else { return }
            var out = context.channel.allocator.buffer(capacity: bytes.readableBytes + 16)
            if chunked, bytes.readableBytes > 0 {
                out.writeString(String(bytes.readableBytes, radix: 16))
                out.writeStaticString("\r\n")
                out.writeImmutableBuffer(bytes)
                out.writeStaticString("\r\n")
            } else {
                out.writeImmutableBuffer(bytes)
            }
            if data.endStream { endRequest(chunked: chunked, into: &out) }
            if out.readableBytes > 0 { context.fireChannelRead(wrapInboundOut(out)) }
        case (.headers(let trailers), .body(let chunked)) where trailers.endStream:
            // Trailers are not forwarded (HTTP/1.1 backends rarely read them); the body ends.
            var out = context.channel.allocator.buffer(capacity: 8)
            endRequest(chunked: chunked, into: &out)
            if out.readableBytes > 0 { context.fireChannelRead(wrapInboundOut(out)) }
        default:
            break
        }
    }

    private func endRequest(chunked: Bool, into out: inout ByteBuffer) {
        if chunked { out.writeStaticString("0\r\n\r\n") }
        request = .done
    }

    /// The HTTP/1.1 head for a request's HEADERS, or `nil` when a name or value holds bytes
    /// that HTTP/1.1 cannot carry (NIOHTTP2 checks them too; this is the last line).
    private func requestHead(_ headers: HPACKHeaders, endStream: Bool, allocator: ByteBufferAllocator) -> ByteBuffer? {
        guard let method = headers.first(name: ":method"), let path = headers.first(name: ":path") ?? (method == "OPTIONS" ? "*" : nil),
            Self.isToken(method), Self.isSafe(path), !path.contains(" ")
        else { return nil }
        isHEAD = method == "HEAD"
        var out = allocator.buffer(capacity: 512)
        out.writeString(method)
        out.writeStaticString(" ")
        out.writeString(path)
        out.writeStaticString(" HTTP/1.1\r\n")
        if let authority = headers.first(name: ":authority") {
            guard Self.isSafe(authority) else { return nil }
            out.writeStaticString("host: ")
            out.writeString(authority)
            out.writeStaticString("\r\n")
        }
        var hasLength = false
        var cookies: [String] = []
        for (name, value, _) in headers where !name.hasPrefix(":") {
            guard Self.isToken(name), Self.isSafe(value) else { return nil }
            switch name {
            case "host" where headers.first(name: ":authority") != nil:
                continue  // :authority wins (RFC 9113 §8.3.1)
            case "cookie":
                cookies.append(value)  // HTTP/2 may split them; HTTP/1.1 wants one field
                continue
            case "content-length":
                hasLength = true
            default:
                break
            }
            out.writeString(name)
            out.writeStaticString(": ")
            out.writeString(value)
            out.writeStaticString("\r\n")
        }
        if !cookies.isEmpty {
            out.writeStaticString("cookie: ")
            out.writeString(cookies.joined(separator: "; "))
            out.writeStaticString("\r\n")
        }
        let chunked = !endStream && !hasLength
        if chunked { out.writeStaticString("transfer-encoding: chunked\r\n") }
        out.writeStaticString("connection: close\r\n\r\n")
        request = endStream ? .done : .body(chunked: chunked)
        return out
    }

    /// An RFC 9110 token (a method, a field name).
    private static func isToken(_ text: String) -> Bool {
        !text.isEmpty && text.utf8.allSatisfy { $0 > 0x20 && $0 < 0x7F && !#"\"(),/:;<=>?@[\]{}"#.utf8.contains($0) }
    }

    /// No CR, LF, NUL or other control character but tab.
    private static func isSafe(_ text: String) -> Bool {
        text.utf8.allSatisfy { $0 >= 0x20 && $0 != 0x7F || $0 == 0x09 }
    }

    // MARK: - Response: HTTP/1.1 bytes → HTTP/2 frames

    func write(context: ChannelHandlerContext, data: NIOAny, promise: EventLoopPromise<Void>?) {
        var bytes = unwrapOutboundIn(data)
        var frames: [HTTP2Frame.FramePayload] = []
        loop: while true {
            switch response {
            case .head(let pending, var scanned):
                if var collected = pending {
                    collected.writeBuffer(&bytes)
                    bytes = collected
                }
                let head: HTTPHead?
                do {
                    head = try bytes.withUnsafeReadableBytes { (raw) throws(HeadError) in
                        try HTTPHeadParser.parse(raw, isRequest: false, scanned: &scanned)
                    }
                } catch {
                    fail(context: context, promise: promise)
                    return
                }
                guard let head else {
                    response = .head(bytes.readableBytes > 0 ? bytes : nil, scanned: scanned)
                    break loop
                }
                let headBytes = bytes.readSlice(length: head.length)!
                response = .head(nil, scanned: 0)
                guard head.status >= 200 else {
                    // 100 Continue, 103 Early Hints: an informational HEADERS frame; the final one follows.
                    frames.append(.headers(.init(headers: Self.fields(of: head, bytes: headBytes))))
                    continue
                }
                frames.append(responseHeaders(head, bytes: headBytes))
            case .body(var framer):
                guard bytes.readableBytes > 0 else { break loop }
                do {
                    _ = try framer.consume(&bytes) { body in frames.append(.data(.init(data: .byteBuffer(body)))) }
                } catch {
                    fail(context: context, promise: promise)
                    return
                }
                if framer.isComplete {
                    response = .done
                    frames.append(.data(.init(data: .byteBuffer(ByteBuffer()), endStream: true)))
                } else {
                    response = .body(framer)
                }
            case .done:
                break loop
            }
        }
        flushFrames(frames, context: context, promise: promise)
    }

    /// `:status` and the end-to-end fields of a response head, names lower-cased.
    private static func fields(of head: HTTPHead, bytes: ByteBuffer) -> HPACKHeaders {
        var headers = HPACKHeaders()
        headers.reserveCapacity(head.fields.count + 1)
        headers.add(name: ":status", value: String(head.status))
        bytes.withUnsafeReadableBytes { raw in
            for field in head.fields {
                switch field.kind {
                case .connection, .keepAlive, .te, .trailer, .transferEncoding, .upgrade, .proxy:
                    continue
                default:
                    let name = String(decoding: UnsafeRawBufferPointer(rebasing: raw[field.nameStart..<field.nameEnd]), as: UTF8.self)
                    let value = String(decoding: UnsafeRawBufferPointer(rebasing: raw[field.valueStart..<field.valueEnd]), as: UTF8.self)
                    headers.add(name: name.lowercased(), value: value)
                }
            }
        }
        return headers
    }

    /// The HEADERS of a final response head; sets up the body's framer (or ends the stream).
    private func responseHeaders(_ head: HTTPHead, bytes: ByteBuffer) -> HTTP2Frame.FramePayload {
        let headers = Self.fields(of: head, bytes: bytes)
        let framer: BodyFramer
        if isHEAD || head.status == 204 || head.status == 304 {
            framer = BodyFramer(.none)
        } else if head.isChunked {
            framer = BodyFramer(.chunked(ChunkParser()), output: .dechunk)
        } else if let length = head.contentLength {
            framer = BodyFramer(length > 0 ? .length(length) : .none)
        } else {
            framer = BodyFramer(.untilClose)
        }
        if framer.isComplete {
            response = .done
            return .headers(.init(headers: headers, endStream: true))
        }
        response = .body(framer)
        return .headers(.init(headers: headers))
    }

    private func flushFrames(_ frames: [HTTP2Frame.FramePayload], context: ChannelHandlerContext, promise: EventLoopPromise<Void>?) {
        guard let last = frames.last else {
            promise?.succeed()
            return
        }
        for frame in frames.dropLast() { context.write(wrapOutboundOut(frame), promise: nil) }
        context.write(wrapOutboundOut(last), promise: promise)
    }

    /// The client handler's own output could not be read back (never expected): reset the stream.
    private func fail(context: ChannelHandlerContext, promise: EventLoopPromise<Void>?) {
        response = .done
        promise?.fail(ChannelError.ioOnClosedChannel)
        context.writeAndFlush(wrapOutboundOut(.rstStream(.internalError)), promise: nil)
        context.close(promise: nil)
    }

    func close(context: ChannelHandlerContext, mode: CloseMode, promise: EventLoopPromise<Void>?) {
        // A body delimited by the backend's close ends with the stream.
        if case .body(let framer) = response, case .untilClose = framer.framing {
            response = .done
            context.write(wrapOutboundOut(.data(.init(data: .byteBuffer(ByteBuffer()), endStream: true))), promise: nil)
            context.flush()
        }
        context.close(mode: mode, promise: promise)
    }
}
