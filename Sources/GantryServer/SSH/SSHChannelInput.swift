import GantryGit
import NIOCore

/// The inbound side of a session channel, read by one task at a time: first for the client's
/// request, then as the input of a push or of `git upload-pack`.
final class SSHChannelInput: PushInput, @unchecked Sendable {
    private var iterator: NIOAsyncChannelInboundStream<SessionInput>.AsyncIterator

    init(_ inbound: NIOAsyncChannelInboundStream<SessionInput>) {
        iterator = inbound.makeAsyncIterator()
    }

    /// The next request or bytes; `nil` once the client closed its side.
    func nextInput() async throws(ReceiveError) -> SessionInput? {
        do {
            return try await iterator.next()
        } catch {
            throw .input(String(describing: error))
        }
    }

    /// The next bytes the client sent; requests after the command are ignored.
    func next() async throws(ReceiveError) -> [UInt8]? {
        while let input = try await nextInput() {
            if case .data(let bytes) = input { return Array(bytes.readableBytesView) }
        }
        return nil
    }
}
