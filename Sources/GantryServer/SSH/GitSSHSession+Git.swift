import GantryCore
import GantryGit
import NIOCore

extension GitSSHSession {
    /// A push: the same `ReceivePack` and pipeline hooks as over smart-HTTP. The advertisement,
    /// then the commands and pack from the client, then the progress (`remote:` lines) and the
    /// report streamed back.
    /// - Returns: 0 when every ref was updated, else 1.
    /// - Throws: `GitError` when the repository cannot be read, `ReceiveError` for a malformed
    ///   command section, or the channel's error when the client went away.
    func receivePack(_ app: AppName, by caller: Caller, peer: String, _ input: SSHChannelInput, _ output: Output) async throws -> Int {
        let receivePack = ReceivePack(
            repositoryPath: configuration.dataDirectory.repository(for: app), scratch: configuration.dataDirectory.scratch,
            maxPushBytes: configuration.maxPushBytes)
        try await output.write(.stdout(ByteBuffer(bytes: receivePack.advertisement())))
        let (request, packStart) = try await input.readCommands(maxPushBytes: receivePack.maxPushBytes)
        guard !request.commands.isEmpty else { return 0 }

        let hooks = lifecycle.pushHooks(app, Trigger(.push, by: caller.user.name.rawValue))
        // The writes below wait for the client; progress waiting for them is bounded.
        let stream = ReplyBuffer()
        let reply = ReceivePackReply(sideband: request.usesSideband, buffer: stream)
        async let results = {
            defer { stream.finish() }
            let report = await receivePack.receive(request, packStart: packStart, input: input, hooks: hooks, reply: reply)
            // Here, not after the reply: a pusher gone before the end still leaves its row.
            await auditor.push(report, by: caller, peer: peer, app: app, door: "ssh")
            return report
        }()
        for await bytes in stream {
            try await output.write(.stdout(ByteBuffer(bytes: bytes)))
        }
        let report = await results
        logger.info("ssh push to \(app) by '\(caller.user.name)': \(report.map { "\($0.0.name) \($0.1.isOK ? "ok" : "rejected")" }.joined(separator: ", "))")
        return report.allSatisfy { $0.1.isOK } ? 0 : 1
    }

    /// A clone or fetch: git's own upload-pack (`UploadPack`) with the channel as its stdin,
    /// stdout and stderr, in the protocol version the client asked for (`GIT_PROTOCOL`).
    /// - Returns: git's exit status.
    /// - Throws: `SubprocessError` when git cannot be started, or the channel's error.
    func uploadPack(_ app: AppName, parameters: GitProtocolParameters?, _ input: SSHChannelInput, _ output: Output) async throws -> Int {
        try await UploadPack(repository: configuration.dataDirectory.repository(for: app)).run(
            .session, parameters: parameters, input: input,
            output: { try await output.write(.stdout($0)) }, errors: { try await output.write(.stderr($0)) })
    }
}
