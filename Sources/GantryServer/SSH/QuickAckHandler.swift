#if canImport(Glibc)
import Glibc
#endif
import NIOCore

/// Acknowledges every segment at once (`TCP_QUICKACK`, re-armed after each read: Linux leaves
/// quick-ack mode on its own). An OpenSSH client leaves Nagle's algorithm on for git: its small
/// writes in a row (an `env` request, then `exec`; the end of a pack) each wait for the
/// previous one's ACK, which Linux delays by 40 ms — up to two such stalls made a push over
/// SSH 40–80 ms slower than over HTTP.
final class QuickAckHandler: ChannelInboundHandler, Sendable {
    typealias InboundIn = ByteBuffer
    typealias InboundOut = ByteBuffer

    private static let option = ChannelOptions.Types.SocketOption(level: SocketOptionLevel(IPPROTO_TCP), name: SocketOptionName(TCP_QUICKACK))

    func channelActive(context: ChannelHandlerContext) {
        arm(context)
        context.fireChannelActive()
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        arm(context)
        context.fireChannelRead(data)
    }

    private func arm(_ context: ChannelHandlerContext) {
        _ = try? context.channel.syncOptions?.setOption(Self.option, value: 1)
    }
}
