import GantryCore
import NIOCore
import NIOHTTP1

/// Serves one client connection: routes each request by Host, streams it to a backend
/// connection and the response back, one request at a time (pipelined requests wait).
///
/// Reads are explicit (`autoRead` off): the client is read while a request body can go on to a
/// writable backend, or to notice a close between requests; the backend is read only while the
/// client can take more. So neither side's data piles up in the router.
final class ClientHandler: ChannelInboundHandler, RemovableChannelHandler {
    typealias InboundIn = HTTPServerRequestPart
    typealias OutboundOut = HTTPServerResponsePart

    enum Phase {
        /// Between requests.
        case idle
        /// A request is being proxied.
        case proxying(Exchange)
        /// The router answered itself; the rest of the request body is skipped.
        case replied
        /// The connection is a byte pipe to a backend now (this handler is leaving).
        case upgraded
        /// Closing or closed.
        case closed
    }

    let core: RouterCore
    let loop: LoopContext
    var context: ChannelHandlerContext?
    var phase = Phase.idle
    /// Parts of pipelined requests that came while an earlier one was still being answered.
    var pipelined = CircularBuffer<HTTPServerRequestPart>()
    /// Shutdown asked this connection to finish its current request and close.
    var quiescing = false
    var clientAddress: String?
    var backendNeedsFlush = false
    var clientNeedsFlush = false

    init(core: RouterCore, loop: LoopContext) {
        self.core = core
        self.loop = loop
    }

    var clientIsWritable: Bool { context?.channel.isWritable ?? false }

    func handlerAdded(context: ChannelHandlerContext) {
        self.context = context
    }

    func handlerRemoved(context: ChannelHandlerContext) {
        self.context = nil
    }

    func channelActive(context: ChannelHandlerContext) {
        clientAddress = context.channel.remoteAddress?.ipAddress
        context.read()
        context.fireChannelActive()
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        let part = unwrapInboundIn(data)
        if !pipelined.isEmpty {
            pipelined.append(part)
        } else if case .head = part, !isIdle {
            pipelined.append(part)
        } else {
            handle(part)
        }
    }

    func channelReadComplete(context: ChannelHandlerContext) {
        if backendNeedsFlush {
            backendNeedsFlush = false
            if case .proxying(let exchange) = phase { exchange.backend?.flush() }
        }
        readIfWanted()
    }

    func channelWritabilityChanged(context: ChannelHandlerContext) {
        if context.channel.isWritable, case .proxying(let exchange) = phase {
            exchange.backend?.resumeReading()
        }
        context.fireChannelWritabilityChanged()
    }

    func channelInactive(context: ChannelHandlerContext) {
        if case .proxying(let exchange) = phase {
            exchange.backend?.close()
            exchange.backend = nil
            exchange.finish(status: 499, observer: core.observer)
        }
        phase = .closed
        pipelined.removeAll()
        context.fireChannelInactive()
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        if error is HTTPParserError, case .idle = phase {
            let (status, message) = ErrorPage.badRequest
            writePage(status, message, requestID: nil, close: true)
        } else {
            closeConnection()
        }
    }

    func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        guard event is ChannelShouldQuiesceEvent else {
            context.fireUserInboundEventTriggered(event)
            return
        }
        quiescing = true
        if case .idle = phase { closeConnection() }
    }

    // MARK: - Requests

    private var isIdle: Bool {
        if case .idle = phase { return true }
        return false
    }

    private func handle(_ part: HTTPServerRequestPart) {
        switch (phase, part) {
        case (.idle, .head(let head)):
            begin(head)
        case (.proxying(let exchange), .body(let body)):
            if let backend = exchange.backend {
                backend.write(.body(.byteBuffer(body)))
                exchange.requestBodySent = true
                backendNeedsFlush = true
            } else {
                exchange.buffered.append(part)
            }
        case (.proxying(let exchange), .end(let trailers)):
            exchange.requestEnded = true
            if let backend = exchange.backend {
                sendEnd(trailers, to: backend, of: exchange)
            } else {
                exchange.buffered.append(part)
            }
        case (.replied, .end):
            becomeIdle()
        case (.idle, _), (.proxying, .head), (.replied, _), (.upgraded, _), (.closed, _):
            break
        }
    }

    private func begin(_ head: HTTPRequestHead) {
        let start = NIODeadline.now()
        let loop = self.loop
        let request = HeaderRewriting.request(head, clientAddress: clientAddress, newRequestID: { loop.nextRequestID() })
        switch core.table.route(host: request.host) {
        case .unknownHost(let host):
            reply(ErrorPage.unknownHost(host), app: nil, to: head, request: request, start: start)
        case .noBackends(let app):
            reply(ErrorPage.noBackends(app), app: app, to: head, request: request, start: start)
        case .backend(let app, let slot):
            let exchange = Exchange(app: app, slot: slot, request: request, clientHead: head, start: start)
            phase = .proxying(exchange)
            acquireBackend(for: exchange)
        }
    }

    /// Answers with the router's own page; a request with a body gets `Connection: close` rather
    /// than the router reading a body nobody wants.
    private func reply(
        _ page: (HTTPResponseStatus, String), app: AppName?, to head: HTTPRequestHead,
        request: HeaderRewriting.Request, start: NIODeadline
    ) {
        let hasBody = head.headers.contains(name: "transfer-encoding")
            || (head.headers.first(name: "content-length").map { $0 != "0" } ?? false)
        let close = hasBody || !head.isKeepAlive || quiescing || request.isUpgrade
        if let observer = core.observer {
            let elapsed = Duration.nanoseconds((NIODeadline.now() - start).nanoseconds)
            observer.requestCompleted(RequestRecord(app: app, status: Int(page.0.code), duration: elapsed, backendID: nil))
        }
        phase = .replied
        writePage(page.0, page.1, requestID: request.requestID, close: close)
    }

    func sendEnd(_ trailers: HTTPHeaders?, to backend: BackendConnection, of exchange: Exchange) {
        backend.write(.end(trailers))
        backend.flush()
        backendNeedsFlush = false
        exchange.requestComplete = true
        startResponseTimer(for: exchange)
    }

    /// Writes a page, then either waits for the next request or closes.
    func writePage(_ status: HTTPResponseStatus, _ message: String, requestID: String?, close: Bool) {
        guard let context else { return }
        let (head, body) = ErrorPage.render(status, message, requestID: requestID, close: close, allocator: context.channel.allocator)
        context.write(wrapOutboundOut(.head(head)), promise: nil)
        context.write(wrapOutboundOut(.body(.byteBuffer(body))), promise: nil)
        if close {
            finishAndClose(.end(nil))
        } else {
            context.writeAndFlush(wrapOutboundOut(.end(nil)), promise: nil)
        }
    }

    /// Back to waiting for a request: runs pipelined ones first.
    func becomeIdle() {
        if quiescing {
            closeConnection()
            return
        }
        phase = .idle
        while let next = pipelined.first {
            if case .head = next, !isIdle { break }
            handle(pipelined.removeFirst())
            if case .closed = phase { return }
        }
        readIfWanted()
    }

    /// Reads from the client when the current phase can use more input.
    func readIfWanted() {
        guard let context, pipelined.isEmpty else { return }
        switch phase {
        case .idle, .replied:
            context.read()
        case .proxying(let exchange):
            if exchange.requestEnded {
                // Only to notice a close or a pipelined request; an upgrade waits for its 101.
                if !exchange.request.isUpgrade { context.read() }
            } else if let backend = exchange.backend, backend.isWritable {
                context.read()
            }
        case .upgraded, .closed:
            break
        }
    }

    /// Writes `last`, flushes, then closes the connection.
    func finishAndClose(_ last: HTTPServerResponsePart) {
        guard let context else { return }
        phase = .closed
        let promise = context.eventLoop.makePromise(of: Void.self)
        context.writeAndFlush(wrapOutboundOut(last), promise: promise)
        promise.futureResult.assumeIsolated().whenComplete { _ in
            context.close(promise: nil)
        }
    }

    func closeConnection() {
        phase = .closed
        context?.close(promise: nil)
    }
}
