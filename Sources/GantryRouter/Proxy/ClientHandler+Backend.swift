import NIOCore

/// The backend half of the client handler: getting a connection, forwarding the response,
/// failures (502), the response timeout and the switch to a byte pipe after a 101.
extension ClientHandler {
    // MARK: - Connecting

    func acquireBackend(for exchange: Exchange) {
        if let connection = loop.pool.checkout(exchange.slot.backend.id) {
            exchange.reusedConnection = true
            attach(connection, to: exchange)
        } else {
            connect(exchange)
        }
    }

    private func connect(_ exchange: Exchange) {
        exchange.reusedConnection = false
        loop.pool.connect(exchange.slot) { result in
            guard case .proxying(let current) = self.phase, current === exchange, exchange.backend == nil else {
                if case .success(let connection) = result { self.loop.pool.checkin(connection) }
                return
            }
            switch result {
            case .success(let connection):
                self.attach(connection, to: exchange)
            case .failure(let error):
                self.connectFailed(exchange, error: error)
            }
        }
    }

    private func connectFailed(_ exchange: Exchange, error: any Error) {
        core.logger.debug(
            "cannot connect to backend",
            metadata: ["app": "\(exchange.app)", "backend": "\(exchange.slot.backend)", "error": "\(error)"])
        if exchange.connectAttempts < 2,
            let other = core.table.alternative(for: exchange.app, excluding: exchange.slot.backend.id, canary: exchange.side.isCanary)
        {
            exchange.slot.end()
            exchange.slot = other
            exchange.connectAttempts += 1
            acquireBackend(for: exchange)
        } else {
            failExchange(exchange)
        }
    }

    private func attach(_ connection: BackendConnection, to exchange: Exchange) {
        exchange.backend = connection
        connection.owner = self
        connection.inbound = nil
        exchange.responseScanned = 0
        connection.write(exchange.outgoingHead)
        if exchange.requestFramer.isComplete {
            requestSent(exchange, to: connection)
        } else {
            // Body bytes that came with the head go on now (or in the running `processInbound`).
            processInbound()
            if exchange.backend === connection, !exchange.requestComplete { connection.flush() }
            backendNeedsFlush = false
        }
        if !isProcessingInbound { readIfWanted() }
    }

    // MARK: - Deadlines (one timer per connection, moved rather than re-made per request)

    /// Sets the connection's deadline `kind` from now (none for a response without timeout).
    func setDeadline(_ kind: DeadlineKind) {
        guard let context else { return }
        let timeout = kind == .clientIdle ? core.clientIdleTimeout : core.responseTimeout
        guard let timeout else {
            deadline = nil
            return
        }
        let due = NIODeadline.now() + timeout
        deadline = due
        deadlineKind = kind
        if timer == nil || due < timerDue {
            timer?.cancel()
            scheduleTimer(at: due, on: context.eventLoop)
        }
    }

    private func scheduleTimer(at due: NIODeadline, on eventLoop: any EventLoop) {
        timerDue = due
        timer = eventLoop.assumeIsolated().scheduleTask(deadline: due) {
            self.timer = nil
            self.timerDue = .distantFuture
            guard let deadline = self.deadline else { return }
            if deadline > .now() {
                self.scheduleTimer(at: deadline, on: eventLoop)
                return
            }
            self.deadline = nil
            switch (self.deadlineKind, self.phase) {
            case (.clientIdle, .idle):
                self.closeConnection()
            case (.response, .proxying(let exchange)) where exchange.response == nil && !exchange.upgraded:
                self.core.logger.debug("backend did not answer in time", metadata: ["app": "\(exchange.app)"])
                self.failExchange(exchange)
            default:
                break
            }
        }
    }

    // MARK: - Backend events

    /// The backend sent bytes (now in `connection.inbound`).
    func backendReceived(from connection: BackendConnection) {
        guard case .proxying(let exchange) = phase, exchange.backend === connection, let context else {
            connection.close()
            return
        }
        while exchange.response == nil, !exchange.upgraded {
            guard let buffer = connection.inbound, buffer.readableBytes > 0 else { return }
            let head: HTTPHead?
            do {
                head = try buffer.withUnsafeReadableBytes { (bytes) throws(HeadError) in
                    try HTTPHeadParser.parse(bytes, isRequest: false, scanned: &exchange.responseScanned)
                }
            } catch {
                core.logger.debug("backend sent a bad response head", metadata: ["app": "\(exchange.app)", "error": "\(error)"])
                failExchange(exchange)
                return
            }
            guard let head else { return }
            exchange.responseScanned = 0
            let bytes = connection.inbound!.readSlice(length: head.length)!
            forwardHead(head, bytes: bytes, of: exchange, context: context)
            guard exchange.backend === connection else { return }  // it failed the exchange
        }
        if exchange.upgraded {
            splice(exchange, connection)
            return
        }
        var buffer = connection.inbound ?? ByteBuffer()
        connection.inbound = nil
        let done: Bool
        do {
            done = try exchange.responseFramer.consume(&buffer) { body in
                self.writeBody(body, context: context)
            }
        } catch {
            // The response was cut short: the client can only learn it from a closed connection.
            exchange.backend = nil
            connection.close()
            exchange.finish(status: exchange.response ?? 502, observer: core.observer)
            closeConnection()
            return
        }
        releaseHeldHead(context: context)
        clientNeedsFlush = true
        if done { endResponse(of: exchange, connection: connection, leftover: buffer.readableBytes > 0) }
    }

    func backendReadComplete() {
        if clientNeedsFlush {
            clientNeedsFlush = false
            flushClient()
        }
    }

    /// Flushes the client connection at the end of the event loop's round.
    func flushClient() {
        if let context { loop.pool.flushSoon(context) }
    }

    func backendBecameWritable() {
        if case .proxying(let exchange) = phase, !exchange.requestFramer.isComplete { processInbound() }
        if backendNeedsFlush, case .proxying(let exchange) = phase {
            backendNeedsFlush = false
            exchange.backend?.flush()
        }
        readIfWanted()
    }

    /// The backend connection closed or failed while serving the current exchange.
    func backendClosed(_ connection: BackendConnection) {
        guard case .proxying(let exchange) = phase, exchange.backend === connection, let context else { return }
        if exchange.response != nil, !exchange.upgraded,
            exchange.responseFramer.finishAtClose(emit: { context.write(self.wrapOutboundOut($0), promise: nil) })
        {
            endResponse(of: exchange, connection: connection, leftover: true)
            return
        }
        exchange.backend = nil
        connection.close()
        if exchange.mayRetryOnFreshConnection {
            exchange.retriedOnFreshConnection = true
            exchange.requestComplete = false
            connect(exchange)
        } else if exchange.response == nil, !exchange.upgraded {
            failExchange(exchange)
        } else {
            // The response was cut short: the client can only learn it from a closed connection.
            exchange.finish(status: exchange.response ?? 502, observer: core.observer)
            closeConnection()
        }
    }

    /// Answers 502 for `exchange`.
    func failExchange(_ exchange: Exchange) {
        let connection = exchange.backend
        exchange.backend = nil
        connection?.close()
        deadline = nil
        exchange.finish(status: 502, observer: core.observer)
        let close = !exchange.request.keepAlive || !exchange.requestFramer.isComplete || quiescing || exchange.request.isUpgrade
        writePage(ErrorPage.backendFailed(exchange.app), requestID: exchange.requestID, close: close, headRequest: exchange.request.isHEAD)
    }

    // MARK: - Response

    private func forwardHead(_ head: HTTPHead, bytes: ByteBuffer, of exchange: Exchange, context: ChannelHandlerContext) {
        let status = head.status
        let clientMinor = exchange.request.minorVersion
        if status == 101 {
            guard exchange.request.isUpgrade, head.upgrade != nil else {
                failExchange(exchange)
                return
            }
            exchange.upgraded = true
            exchange.response = 101
            deadline = nil
            let out = HeadWriter.response(
                head, bytes: bytes, clientMinorVersion: 1, body: .asSent, keepAlive: true, allocator: context.channel.allocator,
                setCookie: exchange.side.setCookie)  // a WebSocket sticks to its side too (RFC 6455 §4.2.2)
            context.writeAndFlush(wrapOutboundOut(out), promise: nil)
            return
        }
        if status < 200 {
            // 100 Continue, 103 Early Hints: passed on (not to HTTP/1.0); the final head follows.
            guard clientMinor > 0 else { return }
            let out = HeadWriter.response(head, bytes: bytes, clientMinorVersion: clientMinor, body: .asSent, keepAlive: true, allocator: context.channel.allocator)
            context.writeAndFlush(wrapOutboundOut(out), promise: nil)
            return
        }
        deadline = nil
        exchange.response = status
        exchange.backendKeepAlive = head.keepAlive && !head.endsAtClose
        if !exchange.backendKeepAlive { exchange.backend?.resetAtClose() }
        var keep = exchange.request.keepAlive && !quiescing && !exchange.request.isUpgrade
        let body: HeadWriter.BodyFraming
        if exchange.request.isHEAD || status == 204 || status == 304 {
            exchange.responseFramer = BodyFramer(.none)
            body = .asSent
        } else if head.isChunked {
            exchange.responseFramer = BodyFramer(.chunked(ChunkParser()), output: clientMinor == 0 ? .dechunk : .verbatim)
            body = clientMinor == 0 ? .closeDelimited : .chunked
        } else if let length = head.contentLength {
            exchange.responseFramer = BodyFramer(.length(length))
            body = .asSent
        } else {
            exchange.backendKeepAlive = false
            exchange.responseFramer = BodyFramer(.untilClose, output: clientMinor == 0 ? .verbatim : .rechunk)
            body = clientMinor == 0 ? .closeDelimited : .chunked
        }
        if case .closeDelimited = body { keep = false }
        exchange.keepClient = keep
        let out = HeadWriter.response(
            head, bytes: bytes, clientMinorVersion: clientMinor, body: body, keepAlive: keep, allocator: context.channel.allocator,
            hsts: exchange.hsts, setCookie: exchange.side.setCookie)
        if listener.https {
            heldHead = out  // written with the body bytes of this read: see `writeBody`
        } else {
            context.write(wrapOutboundOut(out), promise: nil)
        }
        clientNeedsFlush = true
    }

    /// Writes response body bytes to the client. Over TLS a response head still held is sent in
    /// the same buffer when the two are small: one TLS record (one SSL_write, one AEAD seal)
    /// instead of two per small response (NIOSSL seals each write on its own). Measured with wrk
    /// (64 keep-alive HTTPS connections, 2 busy CPUs, 3 alternated 5 s rounds): 28,430 / 28,959 /
    /// 29,573 → 29,884 / 30,463 / 29,126 requests/s, about +5% in two rounds of three.
    private func writeBody(_ body: ByteBuffer, context: ChannelHandlerContext) {
        if var head = heldHead {
            heldHead = nil
            if head.readableBytes + body.readableBytes <= Self.coalescedResponseLimit {
                var body = body
                head.writeBuffer(&body)
                context.write(wrapOutboundOut(head), promise: nil)
                return
            }
            context.write(wrapOutboundOut(head), promise: nil)
        }
        context.write(wrapOutboundOut(body), promise: nil)
    }

    /// The largest head and body sent as one buffer (a TLS record holds 16 KiB).
    static var coalescedResponseLimit: Int { 16 * 1024 - 256 }

    /// Writes the response head if `writeBody` did not take it.
    private func releaseHeldHead(context: ChannelHandlerContext) {
        guard let head = heldHead else { return }
        heldHead = nil
        context.write(wrapOutboundOut(head), promise: nil)
    }

    private func endResponse(of exchange: Exchange, connection: BackendConnection, leftover: Bool) {
        exchange.backend = nil
        connection.inbound = nil
        if exchange.backendKeepAlive, exchange.requestComplete, !leftover {
            loop.pool.checkin(connection)
        } else if exchange.requestComplete, !leftover {
            connection.retire(timeout: .seconds(1))
        } else {
            connection.close()
        }
        exchange.finish(status: exchange.response ?? 502, observer: core.observer)
        clientNeedsFlush = false
        if exchange.keepClient, exchange.requestFramer.isComplete, !quiescing {
            flushClient()
            becomeIdle()
        } else {
            finishAndClose(ByteBuffer())
        }
    }

    // MARK: - Upgrade

    /// After a 101, swaps both connections' handlers for the two ends of a byte pipe.
    private func splice(_ exchange: Exchange, _ connection: BackendConnection) {
        guard let context else {
            connection.close()
            return
        }
        phase = .upgraded
        exchange.backend = nil
        let (clientEnd, backendEnd) = SpliceHandler.pair()
        let observer = core.observer
        clientEnd.onClose = { exchange.finish(status: 101, observer: observer) }
        backendEnd.onClose = { exchange.finish(status: 101, observer: observer) }
        if let early = connection.inbound, early.readableBytes > 0 {
            context.writeAndFlush(wrapOutboundOut(early), promise: nil)
        }
        connection.inbound = nil
        if let early = inbound, early.readableBytes > 0 {
            connection.write(early)
            connection.flush()
        }
        inbound = nil
        do {
            let pipeline = context.pipeline.syncOperations
            try pipeline.addHandler(clientEnd)
            pipeline.removeHandler(context: context, promise: nil)
            try connection.becomeSplice(backendEnd)
        } catch {
            core.logger.debug("cannot switch to a byte pipe", metadata: ["app": "\(exchange.app)", "error": "\(error)"])
            connection.close()
            context.close(promise: nil)
            exchange.finish(status: 502, observer: observer)
        }
    }
}
