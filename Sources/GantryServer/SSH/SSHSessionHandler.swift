import GantryGit
import NIOCore
import NIOSSH

/// What a session channel brings in, in order: the client's requests and its bytes.
enum SessionInput: Sendable {
    /// An exec request: the command line.
    case exec(String, wantReply: Bool)
    /// `GIT_PROTOCOL` from an environment request (git asks for protocol v2 with it).
    case gitProtocol(String)
    /// A request gantry refuses (a shell, a terminal, a subsystem), named for the message.
    case refused(String, wantReply: Bool)
    /// Bytes on the channel (the command's stdin).
    case data(ByteBuffer)
}

/// What a session sends out.
enum SessionOutput: Sendable {
    /// Bytes on the channel (the command's stdout).
    case stdout(ByteBuffer)
    /// Bytes on the extended-data channel (the command's stderr).
    case stderr(ByteBuffer)
    /// The answer to a request that wanted one.
    case reply(success: Bool)
    /// The exit status; the channel closes after it.
    case exit(Int)
}

/// Turns a session channel's SSH messages into `SessionInput` values and `SessionOutput`
/// values into SSH messages, so the session itself is plain async code over an
/// `NIOAsyncChannel`. Environment requests are declined without a word (OpenSSH clients send
/// `LANG` on every connection), but `GIT_PROTOCOL` is passed on (git validates nothing of it
/// here; the session does); other requests that want an answer are refused.
final class SSHSessionHandler: ChannelDuplexHandler {
    typealias InboundIn = SSHChannelData
    typealias InboundOut = SessionInput
    typealias OutboundIn = SessionOutput
    typealias OutboundOut = SSHChannelData

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        let message = unwrapInboundIn(data)
        // Extended data from a client has no meaning for git; only the channel's bytes count.
        guard case .channel = message.type, case .byteBuffer(let bytes) = message.data else { return }
        context.fireChannelRead(wrapInboundOut(.data(bytes)))
    }

    func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        switch event {
        case let request as SSHChannelRequestEvent.ExecRequest:
            deliver(.exec(request.command, wantReply: request.wantReply), context)
        case let request as SSHChannelRequestEvent.ShellRequest:
            deliver(.refused("shell", wantReply: request.wantReply), context)
        case let request as SSHChannelRequestEvent.PseudoTerminalRequest:
            deliver(.refused("terminal", wantReply: request.wantReply), context)
        case let request as SSHChannelRequestEvent.SubsystemRequest:
            deliver(.refused("subsystem '\(request.subsystem.prefix(40))'", wantReply: request.wantReply), context)
        case let request as SSHChannelRequestEvent.EnvironmentRequest:
            if request.name == "GIT_PROTOCOL" { deliver(.gitProtocol(String(request.value.prefix(GitProtocolParameters.maxLength + 1))), context) }
            if request.wantReply { context.triggerUserOutboundEvent(ChannelFailureEvent(), promise: nil) }
        case is SSHChannelRequestEvent.WindowChangeRequest, is SSHChannelRequestEvent.SignalRequest,
            is SSHChannelRequestEvent.LocalFlowControlRequest:
            break  // none wants an answer; none matters without a terminal
        default:
            context.fireUserInboundEventTriggered(event)
        }
    }

    /// A request, passed on as a read of its own: `NIOAsyncChannel` hands reads over at
    /// read-complete, which no request is followed by.
    private func deliver(_ input: SessionInput, _ context: ChannelHandlerContext) {
        context.fireChannelRead(wrapInboundOut(input))
        context.fireChannelReadComplete()
    }

    func write(context: ChannelHandlerContext, data: NIOAny, promise: EventLoopPromise<Void>?) {
        switch unwrapOutboundIn(data) {
        case .stdout(let bytes):
            context.write(wrapOutboundOut(SSHChannelData(type: .channel, data: .byteBuffer(bytes))), promise: promise)
        case .stderr(let bytes):
            context.write(wrapOutboundOut(SSHChannelData(type: .stdErr, data: .byteBuffer(bytes))), promise: promise)
        case .reply(let success):
            context.triggerUserOutboundEvent(success ? ChannelSuccessEvent() : ChannelFailureEvent(), promise: promise)
        case .exit(let status):
            // Sent after the writes before it (the child channel keeps their order), then closes.
            let channel = context.channel
            context.triggerUserOutboundEvent(SSHChannelRequestEvent.ExitStatus(exitStatus: status)).whenComplete { result in
                promise?.completeWith(result)
                channel.close(promise: nil)
            }
        }
    }
}
