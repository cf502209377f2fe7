import Logging
import NIOCore

/// Closes an authenticated SSH connection when the `IdleStateHandler` before it reports that
/// no byte went either way for its timeout (a push's build sends keepalives every few seconds,
/// so only a connection nobody uses is closed). Before authentication the login grace time
/// applies instead.
final class CloseWhenIdleHandler: ChannelInboundHandler, Sendable {
    typealias InboundIn = Any
    let identity: ConnectionIdentity
    let logger: Logger

    init(identity: ConnectionIdentity, logger: Logger) {
        self.identity = identity
        self.logger = logger
    }

    func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        guard let idle = event as? IdleStateHandler.IdleStateEvent, idle == .all, identity.key != nil else {
            return context.fireUserInboundEventTriggered(event)
        }
        logger.info("ssh: closed a connection idle for longer than the SSH idle timeout")
        context.close(promise: nil)
    }
}
