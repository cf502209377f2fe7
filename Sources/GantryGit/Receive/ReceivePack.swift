import Foundation
import GantryCore

/// What the owner of a repository decides around a push, in git's hook vocabulary.
public struct ReceivePackHooks: Sendable {
    /// Runs after the pack is received and checked, before any ref moves, with the objects
    /// still in quarantine (readable through `objects`). Returns a rejection reason per command
    /// (`nil` accepts it).
    public var preReceive: @Sendable (_ commands: [RefCommand], _ objects: ReceivedObjects, _ pushOptions: [String], _ reply: ReceivePackReply) async -> [String?]
    /// Runs after the refs moved, with the commands that succeeded, still in turn with the
    /// repository's other pushes (inside `serialize`).
    public var postReceive: @Sendable (_ updated: [RefCommand], _ reply: ReceivePackReply) async -> Void
    /// Wraps the critical section of a push — the check that refs have not moved, the
    /// pre-receive hook and the ref updates — so pushes to one repository can take turns
    /// (a later push then fails fast with "stale info" instead of building for nothing).
    public var serialize: @Sendable (_ body: @Sendable () async -> [RefResult]) async -> [RefResult]

    public init(
        preReceive: @escaping @Sendable ([RefCommand], ReceivedObjects, [String], ReceivePackReply) async -> [String?] = { commands, _, _, _ in commands.map { _ in nil } },
        postReceive: @escaping @Sendable ([RefCommand], ReceivePackReply) async -> Void = { _, _ in },
        serialize: @escaping @Sendable (_ body: @Sendable () async -> [RefResult]) async -> [RefResult] = { await $0() }
    ) {
        self.preReceive = preReceive
        self.postReceive = postReceive
        self.serialize = serialize
    }
}

/// The source of a push's bytes after the command section (HTTP body, SSH channel).
public protocol PushInput: AnyObject {
    /// The next bytes, or `nil` at the end of the stream.
    /// - Throws: `ReceiveError.input` when the transport fails.
    func next() async throws(ReceiveError) -> [UInt8]?
}

/// git's receive-pack, done in-process with libgit2 (gitprotocol-pack): the server side of
/// `git push`, independent of the transport that carries it.
///
/// One push, top to bottom: the commands are checked; the pack is streamed into a
/// `Quarantine` (indexed, thin bases resolved, connectivity verified); every new tip must
/// exist; the pre-receive hook may refuse commands; the pack moves into the repository; the
/// refs move by compare-and-swap (all or nothing with `atomic`); the post-receive hook runs;
/// the report-status goes back. A refused or failed push leaves refs and objects as they were.
public struct ReceivePack: Sendable {
    /// The repository's path.
    public let repositoryPath: String
    /// Where quarantines are made (on the repository's file system, so migration is a rename).
    public let scratch: String
    /// The most bytes one push may send (commands and pack).
    public let maxPushBytes: Int

    /// How far the pack may inflate (checked as it streams in, before libgit2 resolves it).
    public var packLimits: PackLimits
    /// After how long without output a keepalive is sent while the hooks run.
    public var keepaliveInterval: Duration

    /// - Parameter packLimits: by default `PackLimits(maxPushBytes:)`.
    public init(
        repositoryPath: String, scratch: String, maxPushBytes: Int, packLimits: PackLimits? = nil, keepaliveInterval: Duration = .seconds(5)
    ) {
        self.repositoryPath = repositoryPath
        self.scratch = scratch
        self.maxPushBytes = maxPushBytes
        self.packLimits = packLimits ?? PackLimits(maxPushBytes: maxPushBytes)
        self.keepaliveInterval = keepaliveInterval
    }

    /// The capabilities this server offers.
    public static func capabilities(agent: String) -> String {
        "report-status report-status-v2 delete-refs side-band-64k quiet atomic ofs-delta push-options object-format=sha1 agent=\(agent)"
    }

    /// The reference advertisement that starts a push: every ref with the capabilities on the
    /// first line (or the `capabilities^{}` placeholder for an empty repository), then a flush.
    /// - Throws: `GitError` when the repository cannot be read.
    public func advertisement(agent: String = "gantry/\(Gantry.version)") throws(GitError) -> [UInt8] {
        let refs = try Repository.open(at: repositoryPath).references()
        let capabilities = Self.capabilities(agent: agent)
        var out: [UInt8] = []
        if refs.isEmpty {
            out += PktLine.encode(Array("\(ObjectID.zero.hex) capabilities^{}\0\(capabilities)\n".utf8))
        }
        for (index, ref) in refs.enumerated() {
            let line = index == 0 ? "\(ref.target.hex) \(ref.name)\0\(capabilities)\n" : "\(ref.target.hex) \(ref.name)\n"
            out += PktLine.encode(Array(line.utf8))
        }
        return out + PktLine.flushBytes
    }

    /// Receives one push whose command section is `request`; `packStart` holds the bytes that
    /// followed it, `input` the rest of the stream. Everything goes back through `reply`.
    /// - Returns: the result of each command, as reported to the client.
    /// A push is change work (`Background`): its pack indexing, build, tests and deploy run
    /// where serving never waits for them.
    public func receive(
        _ request: ReceivePackRequest, packStart: [UInt8], input: some PushInput,
        hooks: ReceivePackHooks, reply: ReceivePackReply
    ) async -> [(RefCommand, RefResult)] {
        await Background.changeWork {
            await receiveChange(request, packStart: packStart, input: input, hooks: hooks, reply: reply)
        }
    }

    private func receiveChange(
        _ request: ReceivePackRequest, packStart: [UInt8], input: some PushInput,
        hooks: ReceivePackHooks, reply: ReceivePackReply
    ) async -> [(RefCommand, RefResult)] {
        var results: [RefResult] = request.commands.map(Self.check)
        let session: ReceiveSession
        do {
            session = try await ReceiveSession.open(repositoryPath: repositoryPath, scratch: scratch)
        } catch {
            return finish(request, results: results, unpackError: error.explainingNoSpace(scratch: scratch).description, reply: reply)
        }

        // The pusher's shallow boundaries this repository lacks (git's "theirs"): a tip that
        // needs them would leave the repository shallow, which git refuses by default.
        let missingShallow = request.shallow.isEmpty ? [] : await session.run(inBackground: false) { session in
            request.shallow.filter { ((try? session.repository.objectType(of: $0)) ?? nil) == nil }
        }

        // 1. The pack, into quarantine.
        if request.expectsPack {
            let started = ContinuousClock.now
            if let failure = await receivePack(packStart, sectionSize: request.size, from: input, into: session)?.explainingNoSpace(scratch: scratch) {
                reply.step("Push rejected: \(failure)")
                return finish(request, results: results.map { _ in .rejected("unpacker error") }, unpackError: failure.description, reply: reply)
            }
            let elapsed = ContinuousClock.now - started
            let seconds = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
            reply.step("Received \(session.quarantine.receivedObjects) objects (\(Self.formatBytes(session.quarantine.receivedBytes))) in \(String(format: "%.2f", seconds)) s")
        } else {
            await drain(input)
        }

        // 2. Every new tip must now exist, and branches must point at commits.
        let tips = await session.run(inBackground: false) { session in
            request.commands.map { Self.checkTip($0, in: session, missingShallow: !missingShallow.isEmpty) }
        }
        results = zip(results, tips).map { result, tip in result.isOK ? tip.map(RefResult.rejected) ?? .ok : result }

        // 3. Keepalives while the hooks run (they may build for minutes).
        let interval = keepaliveInterval
        let keepalive = Task {
            while !Task.isCancelled {
                try? await Task.sleep(for: interval / 5)
                reply.keepalive(ifIdleFor: interval)
            }
        }
        defer { keepalive.cancel() }

        let checked = results
        results = await hooks.serialize {
            // Refs that moved since the client read them fail now, before any hook runs.
            var results = await session.run(inBackground: false) { session in
                zip(request.commands, checked).map { command, result in
                    guard result.isOK, let ref = command.refName else { return result }
                    return ((try? session.repository.target(of: ref)) ?? nil) ?? .zero == command.old ? .ok : .rejected("stale info")
                }
            }
            let candidates = request.commands.indices.filter { results[$0].isOK }
            if !candidates.isEmpty && !(request.isAtomic && candidates.count < results.count) {
                let verdicts = await hooks.preReceive(candidates.map { request.commands[$0] }, ReceivedObjects(session: session), request.pushOptions, reply)
                for (index, verdict) in zip(candidates, verdicts) {
                    if let verdict { results[index] = .rejected(verdict) }
                }
            }
            let hooked = results
            // Objects into the repository, then the refs.
            let applied = await session.run(inBackground: false) { session in Self.apply(request, results: hooked, in: session) }
            let updated = zip(request.commands, applied).filter { $0.1.isOK }.map(\.0)
            for command in updated {
                reply.step(command.isDelete ? "Deleted \(command.name)" : "Updated \(command.name): \(command.old.short)..\(command.new.short)")
            }
            if !updated.isEmpty { await hooks.postReceive(updated, reply) }
            return applied
        }
        return finish(request, results: results, unpackError: nil, reply: reply)
    }

    /// `1.5 MiB`, `12 KiB`, `300 B`.
    static func formatBytes(_ bytes: Int) -> String {
        switch bytes {
        case ..<1024: "\(bytes) B"
        case ..<(1 << 20): String(format: "%.1f KiB", Double(bytes) / 1024)
        case ..<(1 << 30): String(format: "%.1f MiB", Double(bytes) / 1_048_576)
        default: String(format: "%.2f GiB", Double(bytes) / 1_073_741_824)
        }
    }
}
