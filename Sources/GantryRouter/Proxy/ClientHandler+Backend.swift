import NIOCore
import NIOHTTP1

/// The backend half of the client handler: getting a connection, forwarding the response,
/// failures (502) and the switch to a byte pipe after a 101.
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
            metadata: ["app": "\(exchange.app)", "backend": "\(exchange.slot.backend)", "error": "\(error)"]
        )
        if exchange.connectAttempts < 2,
            let other = core.table.alternative(for: exchange.app, excluding: exchange.slot.backend.id)
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
        connection.write(.head(exchange.request.head))
        var ended: HTTPHeaders?? = nil
        while let part = exchange.buffered.popFirst() {
            switch part {
            case .body(let body):
                connection.write(.body(.byteBuffer(body)))
                exchange.requestBodySent = true
            case .end(let trailers):
                ended = .some(trailers)
            case .head:
                preconditionFailure("a request head among buffered body parts")
            }
        }
        if let trailers = ended {
            sendEnd(trailers, to: connection, of: exchange)
        } else {
            connection.flush()
            readIfWanted()
        }
    }

    func startResponseTimer(for exchange: Exchange) {
        guard let timeout = core.configuration.responseTimeout, let context, exchange.response == nil else { return }
        exchange.timeout?.cancel()
        exchange.timeout = context.eventLoop.assumeIsolated().scheduleTask(in: TimeAmount(timeout)) {
            guard case .proxying(let current) = self.phase, current === exchange,
                exchange.response == nil, !exchange.upgraded
            else { return }
            self.core.logger.debug("backend did not answer in time", metadata: ["app": "\(exchange.app)"])
            self.failExchange(exchange)
        }
    }

    // MARK: - Backend events

    func backendReceived(_ part: HTTPClientResponsePart, from connection: BackendConnection) {
        guard case .proxying(let exchange) = phase, exchange.backend === connection, let context else {
            connection.close()
            return
        }
        switch part {
        case .head(let head):
            forwardHead(head, of: exchange)
        case .body(let body):
            context.write(wrapOutboundOut(.body(.byteBuffer(body))), promise: nil)
            clientNeedsFlush = true
        case .end(let trailers):
            if exchange.upgraded {
                exchange.backend = nil
                context.flush()
                // Leave the decoder's call stack before taking the HTTP handlers out.
                context.eventLoop.assumeIsolated().execute { self.splice(exchange, connection) }
                return
            }
            endResponse(trailers, of: exchange, connection: connection)
        }
    }

    func backendReadComplete() {
        if clientNeedsFlush {
            clientNeedsFlush = false
            context?.flush()
        }
    }

    func backendBecameWritable() {
        readIfWanted()
    }

    /// The backend connection closed or failed while serving `exchange`.
    func backendFailed(_ connection: BackendConnection, error: (any Error)?) {
        guard case .proxying(let exchange) = phase, exchange.backend === connection else { return }
        exchange.backend = nil
        connection.close()
        if exchange.mayRetryOnFreshConnection {
            exchange.retriedOnFreshConnection = true
            exchange.requestComplete = false
            if exchange.requestEnded { exchange.buffered.append(.end(nil)) }
            connect(exchange)
        } else if exchange.response == nil, !exchange.upgraded {
            failExchange(exchange)
        } else {
            // The response was cut short: the client can only learn it from a closed connection.
            exchange.finish(status: Int(exchange.response?.code ?? 502), observer: core.observer)
            closeConnection()
        }
    }

    /// Answers 502 for `exchange`.
    func failExchange(_ exchange: Exchange) {
        let connection = exchange.backend
        exchange.backend = nil
        connection?.close()
        exchange.finish(status: 502, observer: core.observer)
        let close = !exchange.keepClient || !exchange.clientKeepAlive || !exchange.requestEnded || quiescing
            || exchange.request.isUpgrade
        let (status, message) = ErrorPage.backendFailed(exchange.app)
        writePage(status, message, requestID: exchange.request.requestID, close: close)
        if !close { becomeIdle() }
    }

    // MARK: - Response

    private func forwardHead(_ head: HTTPResponseHead, of exchange: Exchange) {
        guard let context else { return }
        let code = head.status.code
        if code == 101 {
            guard exchange.request.isUpgrade else {
                failExchange(exchange)
                return
            }
            exchange.upgraded = true
            exchange.response = head.status
            exchange.timeout?.cancel()
            let headers = HeaderRewriting.response(head.headers, keepUpgrade: true)
            context.writeAndFlush(wrapOutboundOut(.head(HTTPResponseHead(version: .http1_1, status: head.status, headers: headers))), promise: nil)
            return
        }
        var headers = HeaderRewriting.response(head.headers, keepUpgrade: false)
        let version: HTTPVersion = exchange.clientVersion.minor == 0 ? .http1_0 : .http1_1
        if code >= 100, code < 200 {
            context.write(wrapOutboundOut(.head(HTTPResponseHead(version: version, status: head.status, headers: headers))), promise: nil)
            clientNeedsFlush = true
            return
        }
        exchange.timeout?.cancel()
        exchange.timeout = nil
        exchange.response = head.status
        exchange.backendKeepAlive = head.isKeepAlive
        var keep = exchange.clientKeepAlive && !quiescing && !exchange.request.isUpgrade
        if version == .http1_0, keep, !headers.contains(name: "content-length"), head.status.mayHaveResponseBody,
            exchange.request.head.method != .HEAD
        {
            keep = false  // an HTTP/1.0 client learns the end of such a body only from the close
        }
        if !keep, version == .http1_1 {
            headers.add(name: "connection", value: "close")
        } else if keep, version == .http1_0 {
            headers.add(name: "connection", value: "keep-alive")
        }
        exchange.keepClient = keep
        context.write(wrapOutboundOut(.head(HTTPResponseHead(version: version, status: head.status, headers: headers))), promise: nil)
        clientNeedsFlush = true
    }

    private func endResponse(_ trailers: HTTPHeaders?, of exchange: Exchange, connection: BackendConnection) {
        exchange.backend = nil
        if exchange.backendKeepAlive, exchange.requestComplete {
            loop.pool.checkin(connection)
        } else {
            connection.close()
        }
        exchange.finish(status: Int(exchange.response?.code ?? 502), observer: core.observer)
        clientNeedsFlush = false
        if exchange.keepClient, exchange.requestEnded, !quiescing {
            context?.writeAndFlush(wrapOutboundOut(.end(trailers)), promise: nil)
            becomeIdle()
        } else {
            finishAndClose(.end(trailers))
        }
    }

    // MARK: - Upgrade

    /// After a 101, swaps the HTTP handlers of both connections for a raw byte pipe.
    private func splice(_ exchange: Exchange, _ connection: BackendConnection) {
        guard let context, case .proxying(let current) = phase, current === exchange else {
            connection.close()
            return
        }
        phase = .upgraded
        let (clientEnd, backendEnd) = SpliceHandler.pair()
        let observer = core.observer
        clientEnd.onClose = { exchange.finish(status: 101, observer: observer) }
        backendEnd.onClose = { exchange.finish(status: 101, observer: observer) }
        do {
            let pipeline = context.pipeline.syncOperations
            try pipeline.addHandler(clientEnd)
            pipeline.removeHandler(try pipeline.handler(type: HTTPResponseEncoder.self), promise: nil)
            pipeline.removeHandler(try pipeline.handler(type: ByteToMessageHandler<HTTPRequestDecoder>.self), promise: nil)
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
