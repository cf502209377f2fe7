import NIOCore
import NIOPosix
import Testing

typealias RawChannel = NIOAsyncChannel<ByteBuffer, ByteBuffer>

/// Sends `request` as raw bytes to 127.0.0.1:`port` and returns everything that comes back
/// until the server closes the connection (or `limit` seconds pass).
func rawExchange(port: Int, _ request: String, chunks: [String] = [], limit: Duration = .seconds(10)) async throws -> String {
    let channel = try await ClientBootstrap(group: MultiThreadedEventLoopGroup.singleton)
        .connect(host: "127.0.0.1", port: port) { channel in
            channel.eventLoop.makeCompletedFuture { try RawChannel(wrappingChannelSynchronously: channel) }
        }
    return try await channel.executeThenClose { inbound, outbound in
        // Nothing to send means nothing is written: an empty write would race a server that
        // closes the idle connection (and fail as I/O on a closed channel).
        // A server that closed first (an idle timeout shorter than a loaded machine's pause
        // between connect and write) makes the write fail; what it answered is still read.
        do {
            if !request.isEmpty { try await outbound.write(ByteBuffer(string: request)) }
            for chunk in chunks {
                try await Task.sleep(for: .milliseconds(20))
                try await outbound.write(ByteBuffer(string: chunk))
            }
        } catch ChannelError.ioOnClosedChannel {}
        return try await withThrowingTaskGroup(of: String?.self) { group in
            group.addTask {
                var text = ""
                for try await buffer in inbound { text += String(buffer: buffer) }
                return text
            }
            group.addTask {
                try await Task.sleep(for: limit)
                return nil
            }
            let first = try await group.next()!
            group.cancelAll()
            guard let text = first else { throw TestFailure("no close within \(limit)") }
            return text
        }
    }
}

/// A plain TCP server on a free port of 127.0.0.1 whose connections are served by `handle`;
/// `body` gets the port, and the server is closed when it returns or throws.
func withRawServer<T: Sendable>(
    handle: @escaping @Sendable (RawChannel) async throws -> Void, _ body: (Int) async throws -> T
) async throws -> T {
    let server = try await ServerBootstrap(group: MultiThreadedEventLoopGroup.singleton)
        .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
        .bind(host: "127.0.0.1", port: 0) { channel in
            channel.eventLoop.makeCompletedFuture { try RawChannel(wrappingChannelSynchronously: channel) }
        }
    let port = server.channel.localAddress!.port!
    let listener = server.channel
    let task = Task {
        _ = try? await server.executeThenClose { connections in
            await withDiscardingTaskGroup { group in
                do {
                    for try await connection in connections {
                        group.addTask { try? await handle(connection) }
                    }
                } catch {}
            }
        }
    }
    do {
        let result = try await body(port)
        try? await listener.close()
        await finish(task)
        return result
    } catch {
        try? await listener.close()
        await finish(task)
        throw error
    }
}

/// Waits for the server's connections to end: at most 10 s, then they are cancelled and the
/// test fails naming why (a connection its peer never closed), rather than the pass hanging.
private func finish(_ server: Task<Void, Never>) async {
    let ended = await withTaskGroup(of: Bool.self) { group in
        group.addTask { await server.value; return true }
        group.addTask { try? await Task.sleep(for: .seconds(10)); return false }
        let first = await group.next()!
        if !first { server.cancel() }  // ends the wait for its value too
        group.cancelAll()
        return first
    }
    if !ended { Issue.record("a connection to the test server stayed open 10 s after the test; it was cancelled") }
}

/// A backend that answers every request head with `response` (raw bytes), then closes the
/// connection when `close` is set.
func withCannedBackend<T: Sendable>(response: String, close: Bool, _ body: (Int) async throws -> T) async throws -> T {
    try await withRawServer(handle: { connection in
        try await connection.executeThenClose { inbound, outbound in
            var seen = ""
            for try await buffer in inbound {
                seen += String(buffer: buffer)
                while let end = seen.range(of: "\r\n\r\n") {
                    seen.removeSubrange(..<end.upperBound)
                    try await outbound.write(ByteBuffer(string: response))
                    if close { return }
                }
            }
        }
    }, body)
}
