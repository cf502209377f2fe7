import GantryCore
import GantryGit
import GantryStore
import Logging
import NIOCore

/// One SSH session channel: waits for the client's request and serves it when it is a git
/// push or fetch of an app; refuses anything else with a message on stderr and exit status 1.
struct GitSSHSession: Sendable {
    typealias Output = NIOAsyncChannelOutboundWriter<SessionOutput>

    let store: Store
    let lifecycle: AppLifecycle
    let configuration: ServerConfiguration
    let auditor: Auditor
    let logger: Logger

    /// Serves `channel` until its command is done, then sends the exit status and closes it.
    func run(_ channel: NIOAsyncChannel<SessionInput, SessionOutput>, identity: ConnectionIdentity) async {
        do {
            try await channel.executeThenClose { inbound, outbound in
                let status = try await serve(SSHChannelInput(inbound), outbound, identity: identity)
                try await outbound.write(.exit(status))
            }
        } catch {
            logger.debug("ssh: session ended: \(error)")
        }
    }

    /// The exit status of the session's one command.
    private func serve(_ input: SSHChannelInput, _ output: Output, identity: ConnectionIdentity) async throws -> Int {
        var parameters: GitProtocolParameters?
        while let request = try await input.nextInput() {
            switch request {
            case .data:
                continue  // bytes before any command mean nothing
            case .gitProtocol(let value):
                parameters = GitProtocolParameters(header: value)
            case .refused(let what, let wantReply):
                if wantReply { try await output.write(.reply(success: true)) }
                return try await refuse("gantry offers no \(what) over SSH; it only receives `git push` and serves `git clone` of ssh://git@HOST:PORT/APP.git", output)
            case .exec(let command, let wantReply):
                if wantReply { try await output.write(.reply(success: true)) }
                return try await exec(command, parameters, input, output, identity: identity)
            }
        }
        return 1
    }

    /// - Parameter parameters: the client's `GIT_PROTOCOL`, validated (for a fetch).
    private func exec(
        _ text: String, _ parameters: GitProtocolParameters?, _ input: SSHChannelInput, _ output: Output, identity: ConnectionIdentity
    ) async throws -> Int {
        let command: GitExecCommand
        do {
            command = try GitExecCommand.parse(text)
        } catch {
            return try await refuse(error.description, output)
        }
        // The key (or its user) may have been removed since the connection authenticated.
        guard let key = identity.key, let current = try await store.sshKey(fingerprint: key.fingerprint), current.name == key.name,
            let userName = current.user, let user = try? await store.user(named: userName)
        else {
            let name = identity.key.map { "'\($0.name)' " } ?? ""
            return try await refuse("the SSH key \(name)is no longer registered with gantry; add it again with `gantry keys:add`", output)
        }
        let caller = Caller(user: user, credential: .sshKey(current))
        let needed: AccessRole = command.service == .receivePack ? .deploy : .read
        let action = command.service == .receivePack ? "push" : "fetch"
        if let refusal = try await Need.gitRefusal(of: caller, needs: needed, app: command.app, store: store) {
            if let reason = refusal.audited {
                await auditor.record(Auditor.entry(caller, peer: identity.peer, action: action, app: command.app, detail: "over ssh", outcome: "denied: \(reason)"))
            }
            return try await refuse(refusal.message, output)
        }
        logger.info("ssh: \(command.service.rawValue) \(command.app) by key '\(key.name)' of '\(user.name)'")
        do {
            switch command.service {
            case .receivePack: return try await receivePack(command.app, by: caller, peer: identity.peer, input, output)
            case .uploadPack: return try await uploadPack(command.app, parameters: parameters, input, output)
            }
        } catch let error as ReceiveError {
            return try await refuse(error.description, output)
        } catch let error as GitError {
            logger.error("ssh: \(command.service.rawValue) \(command.app): \(error)")
            return try await refuse("git: \(error.description)", output)
        }
    }

    /// Writes `gantry: MESSAGE` to the channel's stderr.
    /// - Returns: the exit status of a refused command, 1.
    private func refuse(_ message: String, _ output: Output) async throws -> Int {
        try await output.write(.stderr(ByteBuffer(string: "gantry: \(message)\n")))
        return 1
    }
}
