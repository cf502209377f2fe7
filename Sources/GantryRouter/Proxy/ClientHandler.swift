import GantryCore
import NIOCore

/// Serves one client connection: parses each request head, routes it by Host, sends the
/// rewritten head and the body bytes to a backend connection and the response back, one
/// request at a time (pipelined requests wait in `inbound`).
///
/// Reads are explicit (`autoRead` off): the client is read while a request body can go on to a
/// writable backend, or, between requests and while a response streams, to notice a close or
/// the next request; the backend is read only while the client can take more. So neither
/// side's bytes pile up in the router.
final class ClientHandler: ChannelInboundHandler, RemovableChannelHandler {
    typealias InboundIn = ByteBuffer
    typealias OutboundOut = ByteBuffer

    enum Phase {
        /// Waiting for (the rest of) a request head.
        case idle
        /// A request is being proxied.
        case proxying(Exchange)
        /// The connection is a byte pipe to a backend now (this handler is leaving).
        case upgraded
        /// Closing or closed.
        case closed
    }

    let core: RouterCore
    let loop: LoopContext
    var context: ChannelHandlerContext?
    var phase = Phase.idle
    /// Bytes from the client not yet handled: a partial head, body bytes waiting for a backend
    /// connection, or a pipelined request.
    var inbound: ByteBuffer?
    /// How far the current head was searched for its end.
    var scanned = 0
    /// `processInbound` is running: nested calls leave the work to its loop (no recursion per
    /// pipelined request).
    var isProcessingInbound = false
    /// Shutdown asked this connection to finish its current request and close.
    var quiescing = false
    var clientAddress: String?
    private var started = false
    /// Over TLS, a response head waiting to go out with the first body bytes of the same read.
    var heldHead: ByteBuffer?
    var backendNeedsFlush = false
    var clientNeedsFlush = false
    /// What happens at `deadline`: the idle client is closed, or the silent backend gets a 502.
    enum DeadlineKind { case clientIdle, response }
    var deadline: NIODeadline?
    var deadlineKind = DeadlineKind.clientIdle
    /// One timer per connection, moved on rather than made anew for each request.
    var timer: Scheduled<Void>?
    /// When `timer` fires.
    var timerDue = NIODeadline.distantFuture

    /// Whether the client came through the HTTPS port, and which port: for `X-Forwarded-*`.
    var listener: HeadWriter.Listener

    init(core: RouterCore, loop: LoopContext, https: Bool = false) {
        self.core = core
        self.loop = loop
        self.listener = HeadWriter.Listener(https: https, port: nil)
    }

    var clientIsWritable: Bool { context?.channel.isWritable ?? false }

    func handlerAdded(context: ChannelHandlerContext) {
        self.context = context
        // Added after the TLS handshake (or to an HTTP/2 stream already open): start now.
        if context.channel.isActive { start(context: context) }
    }

    func handlerRemoved(context: ChannelHandlerContext) {
        self.context = nil
    }

    func channelActive(context: ChannelHandlerContext) {
        start(context: context)
        context.fireChannelActive()
    }

    /// The connection is open: note its addresses, start the idle clock, read.
    private func start(context: ChannelHandlerContext) {
        guard !started else { return }
        started = true
        clientAddress = context.channel.remoteAddress?.ipAddress
        listener.port = context.channel.localAddress?.port
        setDeadline(.clientIdle)
        context.read()
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        var buffer = unwrapInboundIn(data)
        if var pending = inbound, pending.readableBytes > 0 {
            pending.writeBuffer(&buffer)
            inbound = pending
        } else {
            inbound = buffer
        }
        processInbound()
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
        inbound = nil
        timer?.cancel()
        timer = nil
        context.fireChannelInactive()
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        closeConnection()
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

    /// Handles what `inbound` holds as far as the current phase allows.
    func processInbound() {
        guard !isProcessingInbound else { return }
        isProcessingInbound = true
        defer { isProcessingInbound = false }
        while true {
            switch phase {
            case .idle:
                guard let buffer = inbound, buffer.readableBytes > 0 else { return }
                let head: HTTPHead?
                do {
                    head = try buffer.withUnsafeReadableBytes { (bytes) throws(HeadError) in
                        try HTTPHeadParser.parse(bytes, isRequest: true, scanned: &scanned)
                    }
                } catch {
                    reject(error)
                    return
                }
                guard let head else { return }
                scanned = 0
                let headBytes = inbound!.readSlice(length: head.length)!
                begin(head, bytes: headBytes)
            case .proxying(let exchange):
                guard !exchange.requestFramer.isComplete, let backend = exchange.backend,
                    var buffer = inbound, buffer.readableBytes > 0
                else { return }
                inbound = nil
                let done: Bool
                do {
                    done = try exchange.requestFramer.consume(&buffer) { body in
                        backend.write(body)
                        exchange.requestBodySent = true
                    }
                } catch {
                    // A broken chunked body: neither connection can continue.
                    exchange.backend = nil
                    backend.close()
                    exchange.finish(status: 400, observer: core.observer)
                    closeConnection()
                    return
                }
                backendNeedsFlush = true
                if buffer.readableBytes > 0 { inbound = buffer }
                guard done else { return }
                requestSent(exchange, to: backend)
            case .upgraded, .closed:
                return
            }
        }
    }

    private func begin(_ head: HTTPHead, bytes: ByteBuffer) {
        let start = NIODeadline.now()
        deadline = nil
        if !listener.https, let answer = challengeAnswer(head, bytes: bytes) {
            reply(answer, app: nil, to: head, bytes: bytes, start: start)
            return
        }
        let arrival: RouteTable.Arrival = listener.https ? .tls : .plain(canRedirect: core.httpsPort.load(ordering: .relaxed) != 0)
        let decision = bytes.withUnsafeReadableBytes { all in
            core.table.route(
                hostBytes: head.host.map { UnsafeRawBufferPointer(rebasing: all[$0]) } ?? UnsafeRawBufferPointer(start: nil, count: 0),
                via: arrival
            ) { app in CanaryPreference(head, bytes: all, app: app) }
        }
        switch decision {
        case .unknownHost(let host):
            reply(ErrorPage.unknownHost(host), app: nil, to: head, bytes: bytes, start: start)
        case .noBackends(let app):
            reply(ErrorPage.noBackends(app), app: app, to: head, bytes: bytes, start: start)
        case .maintenance(let app, let message):
            reply(ErrorPage.maintenance(app, message: message), app: app, to: head, bytes: bytes, start: start)
        case .redirectToHTTPS(let app, let host):
            reply(redirect(app, host: host, head, bytes: bytes), app: app, to: head, bytes: bytes, start: start)
        case .backend(let app, let slot, let hsts, let side):
            let generated = head.requestID == nil ? loop.nextRequestID() : nil
            let outgoing = HeadWriter.request(
                head, bytes: bytes, clientAddress: clientAddress, newRequestID: generated, allocator: context!.channel.allocator,
                listener: listener)
            let exchange = Exchange(
                app: app, slot: slot, request: head, outgoingHead: outgoing,
                clientRequestID: head.requestID.map { bytes.getSlice(at: bytes.readerIndex + $0.lowerBound, length: $0.count)! },
                generatedRequestID: generated, start: start)
            exchange.hsts = hsts
            exchange.side = side
            phase = .proxying(exchange)
            acquireBackend(for: exchange)
        }
    }

    /// The answer to a request for `/.well-known/acme-challenge/…` (any method, any Host), or
    /// `nil` for any other path.
    private func challengeAnswer(_ head: HTTPHead, bytes: ByteBuffer) -> ErrorPage? {
        guard case .request(let method, let target) = head.kind else { return nil }
        return bytes.withUnsafeReadableBytes { all -> ErrorPage? in
            let path = UnsafeRawBufferPointer(rebasing: all[target])
            let prefix = ChallengeTable.pathPrefix.utf8
            guard path.count >= prefix.count, path.prefix(prefix.count).elementsEqual(prefix) else { return nil }
            let methodBytes = UnsafeRawBufferPointer(rebasing: all[method])
            guard methodBytes.elementsEqual("GET".utf8) || methodBytes.elementsEqual("HEAD".utf8) else { return .challengeMethod }
            let rest = path.dropFirst(prefix.count)
            let token = rest.prefix { $0 != UInt8(ascii: "?") }
            return core.challenges.answer(tokenBytes: token).map(ErrorPage.challengeAnswer) ?? .unknownChallenge
        }
    }

    /// The 308 to the HTTPS port for an app that forces HTTPS (400 for a host that cannot be
    /// put in a `Location`).
    private func redirect(_ app: AppName, host: String, _ head: HTTPHead, bytes: ByteBuffer) -> ErrorPage {
        guard case .request(_, let target) = head.kind else { return .badRequest(.malformed("not a request")) }
        let location = bytes.withUnsafeReadableBytes { all in
            HTTPSRedirect.location(host: host, target: UnsafeRawBufferPointer(rebasing: all[target]), port: core.httpsPort.load(ordering: .relaxed))
        }
        guard let location else { return .badRequest(.malformed("the Host is not a DNS name or IP address")) }
        return .redirect(to: location, app: app)
    }

    /// Answers with the router's own page. A request with a body gets `Connection: close`
    /// rather than the router reading a body nobody wants.
    private func reply(_ page: ErrorPage, app: AppName?, to head: HTTPHead, bytes: ByteBuffer, start: NIODeadline) {
        let hasBody = head.isChunked || (head.contentLength ?? 0) > 0
        let close = hasBody || !head.keepAlive || quiescing || head.isUpgrade
        if let observer = core.observer {
            let elapsed = Duration.nanoseconds((NIODeadline.now() - start).nanoseconds)
            observer.requestCompleted(RequestRecord(app: app, status: page.status, duration: elapsed, backendID: nil))
        }
        let requestID = head.requestID.map { String(buffer: bytes.getSlice(at: bytes.readerIndex + $0.lowerBound, length: $0.count)!) }
            ?? loop.nextRequestID().string
        writePage(page, requestID: requestID, close: close, headRequest: head.isHEAD)
    }

    /// The request could not be parsed: 400 (431, 501) and close.
    private func reject(_ error: HeadError) {
        if let observer = core.observer {
            observer.requestCompleted(RequestRecord(app: nil, status: ErrorPage.badRequest(error).status, duration: .zero, backendID: nil))
        }
        writePage(ErrorPage.badRequest(error), requestID: nil, close: true, headRequest: false)
    }

    /// The whole request went to the backend: flush, start the response clock.
    func requestSent(_ exchange: Exchange, to backend: BackendConnection) {
        exchange.requestComplete = true
        backend.flush()
        backendNeedsFlush = false
        setDeadline(.response)
    }

    /// Writes a page, then waits for the next request or closes.
    func writePage(_ page: ErrorPage, requestID: String?, close: Bool, headRequest: Bool) {
        guard let context else { return }
        let response = page.render(requestID: requestID, close: close, headRequest: headRequest, allocator: context.channel.allocator)
        if close {
            finishAndClose(response)
        } else {
            context.writeAndFlush(wrapOutboundOut(response), promise: nil)
            becomeIdle()
        }
    }

    /// Back to waiting for a request; runs a pipelined one at once.
    func becomeIdle() {
        if quiescing {
            closeConnection()
            return
        }
        phase = .idle
        setDeadline(.clientIdle)
        if let inbound, inbound.readableBytes > 0 { processInbound() }
        if !isProcessingInbound { readIfWanted() }
    }

    /// Reads from the client when the current phase can use more input.
    func readIfWanted() {
        guard let context else { return }
        switch phase {
        case .idle:
            context.read()  // `inbound` holds at most part of a head here
        case .proxying(let exchange):
            guard (inbound?.readableBytes ?? 0) == 0 else { return }
            if exchange.requestFramer.isComplete {
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
    func finishAndClose(_ last: ByteBuffer) {
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
