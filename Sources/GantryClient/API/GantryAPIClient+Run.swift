import GantryCore
import HummingbirdWSClient
import Logging
import NIOCore
import HTTPTypes
import NIOSSL
import Synchronization

/// How an attached `gantry run` ended: the remote status (as a shell reports it) and, when
/// gantryd ended it or could not start it, why.
public struct RunOutcome: Hashable, Sendable {
    public var status: Int32
    public var message: String
}

extension GantryAPIClient {
    /// Asks gantryd to run `request.command` in a new container of `app`'s live release
    /// (`gantry run`).
    /// - Returns: the detached process's name, or where to attach (`attach(_:input:output:)`).
    /// - Throws: `ClientError`; `.rejected` (403) without `deploy` access, (409) no live
    ///   release, (400) an empty command.
    public func run(app: String, _ request: RunRequest) async throws(ClientError) -> RunResponse {
        try await decode(send(.post, "/apps/\(Self.pathSegment(app))/runs", body: try Self.encoded(request)))
    }

    /// Attaches to the process behind `path` (a `RunResponse.attach`) over a WebSocket and
    /// relays `RunFrame`s: `input` to the process, its output to `output`, until it ends.
    /// - Returns: how it ended.
    /// - Throws: `ClientError.unreachable` when the connection fails or drops before the end.
    public func attach(
        _ path: String, input: AsyncStream<AttachedInput>, output: @escaping @Sendable (AttachedOutput) -> Void
    ) async throws(ClientError) -> RunOutcome {
        let secure = server.hasPrefix("https://")
        let url = (secure ? "wss://" : "ws://") + server.drop { $0 != "/" }.dropFirst(2) + path
        var headers = HTTPFields()
        if let token { headers[.authorization] = "Bearer \(token)" }
        let outcome = Mutex<RunOutcome?>(nil)
        do {
            try await WebSocketClient.connect(
                url: url, configuration: .init(maxFrameSize: RunResponse.maximumFrameSize, additionalHeaders: headers),
                tlsConfiguration: secure ? TLSConfiguration.makeClientConfiguration() : nil, logger: Logger(label: "gantry.run")
            ) { inbound, outbound, _ in
                let sender = Task {
                    for await event in input { try await outbound.write(.binary(ByteBuffer(bytes: RunFrame(event).encoded))) }
                }
                defer { sender.cancel() }
                for try await message in inbound.messages(maxSize: RunResponse.maximumFrameSize) {
                    guard case .binary(let buffer) = message, let frame = try? RunFrame(decoding: buffer.readableBytesView) else { continue }
                    switch frame {
                    case .output(let bytes): output(.stdout(bytes))
                    case .error(let bytes): output(.stderr(bytes))
                    case .exit(let status, let message):
                        outcome.withLock { $0 = RunOutcome(status: status, message: message) }
                        return
                    case .input, .endOfInput, .resize: continue
                    }
                }
            }
        } catch {
            throw .unreachable(server: server, detail: "the one-off process's connection failed: \(error)")
        }
        guard let ended = outcome.withLock({ $0 }) else {
            throw .unreachable(server: server, detail: "the connection to the one-off process closed before it ended")
        }
        return ended
    }
}
