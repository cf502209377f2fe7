import Dispatch
import GantryCore
import Synchronization

extension ReceivePack {
    /// The most pack bytes queued for the indexer before reading waits for it.
    static let indexerBacklog = 8 << 20
    /// How many pack bytes are gathered before they go to the indexer in one call (the
    /// transport delivers a few KiB at a time).
    static let appendBatch = 1 << 20

    /// How far a push over `maxPushBytes` is still read (and thrown away) so the client gets
    /// the report with the reason, rather than a broken connection: the limit again, and at
    /// least git's 1 MiB `http.postBuffer` (git sends bodies up to that with a Content-Length).
    public var readLimit: Int { maxPushBytes + max(maxPushBytes, 1 << 20) }

    /// Checks a command before any object arrives.
    static func check(_ command: RefCommand) -> RefResult {
        guard let ref = command.refName else { return .rejected("funny refname") }
        if command.isDelete && ref.isDeployBranch {
            return .rejected("deleting the deploy branch is not allowed; `gantry apps:destroy` removes an app")
        }
        return .ok
    }

    /// Streams the pack into the session's quarantine and commits it. Bytes past a failure are
    /// drained so the client reads the report instead of a broken connection.
    /// - Returns: why the pack was refused, or `nil`.
    /// - Parameter sectionSize: the bytes of the command section, which count against the limit.
    func receivePack(_ start: [UInt8], sectionSize: Int, from input: some PushInput, into session: ReceiveSession) async -> ReceiveError? {
        let failure = Mutex<ReceiveError?>(nil)
        // The scanner reads each batch on a queue of its own, beside the indexer, and stops
        // the push at the first object over `packLimits`, before libgit2 resolves any delta.
        let scanner: PackStreamScanner
        do throws(ReceiveError) { scanner = try PackStreamScanner(limits: packLimits) } catch { return error }
        let scanning = ScanQueue(scanner)
        var total = sectionSize + start.count
        var queued = 0
        var batch = start
        var ended = false
        while !ended {
            do {
                if let bytes = try await input.next() {
                    total += bytes.count
                    if total <= maxPushBytes { batch += bytes }
                } else {
                    ended = true
                }
            } catch {
                return error
            }
            if total > maxPushBytes {
                failure.withLock { $0 = $0 ?? .tooLarge(limit: maxPushBytes) }
                if total > readLimit { return failure.withLock { $0 } }  // stop reading a runaway client
                continue
            }
            guard batch.count >= Self.appendBatch || (ended && !batch.isEmpty), failure.withLock({ $0 }) == nil else { continue }
            let bytes = batch
            batch.removeAll(keepingCapacity: true)
            scanning.enqueue { scanner in
                guard failure.withLock({ $0 }) == nil else { return }
                let error = bytes.withUnsafeBytes { raw -> ReceiveError? in
                    do throws(ReceiveError) { try scanner.feed(raw) } catch { return error }
                    return nil
                }
                if let error { failure.withLock { $0 = $0 ?? error } }
            }
            session.enqueue { session in
                guard failure.withLock({ $0 }) == nil else { return }
                let error = bytes.withUnsafeBytes { raw -> ReceiveError? in
                    do throws(ReceiveError) { try session.quarantine.append(raw) } catch { return error }
                    return nil
                }
                if let error { failure.withLock { $0 = error } }
            }
            queued += bytes.count
            if queued > Self.indexerBacklog {
                await session.run(inBackground: false) { _ in }
                await scanning.drain()
                queued = 0
            }
        }
        await scanning.drain()
        let treeDepth = packLimits.treeDepth
        return await session.run { session in
            if let failure = failure.withLock({ $0 }) { return failure }
            do throws(ReceiveError) { try session.quarantine.commit(treeDepth: treeDepth) } catch { return error }
            return nil
        }
    }

    /// Reads `input` to its end (a delete-only push sends no pack).
    func drain(_ input: some PushInput) async {
        while let _ = try? await input.next() {}
    }

    /// Why a command's new tip is unusable, or `nil`: it must exist, the pack that brought
    /// it must be connected, and a branch must point at a commit.
    ///
    /// A push from a shallow clone is connected when the repository has the commits its pack
    /// stops at; when it is not and the repository lacks some of the pusher's shallow
    /// boundaries (`missingShallow`), the push would make the repository shallow, which git's
    /// receive-pack refuses (`receive.shallowUpdate` off) in these words.
    static func checkTip(_ command: RefCommand, in session: ReceiveSession, missingShallow: Bool = false) -> String? {
        guard !command.isDelete else { return nil }
        guard let type = try? session.repository.objectType(of: command.new) else {
            return missingShallow ? shallowUpdateRefused : "missing necessary objects"
        }
        if command.refName?.branchName != nil && type != "commit" { return "not a commit: branches must point at commits" }
        guard let problem = session.quarantine.connectivityProblem else { return nil }
        return missingShallow && problem == "missing necessary objects" ? shallowUpdateRefused : problem
    }

    /// git's report for a push that would make the repository shallow.
    static var shallowUpdateRefused: String { "shallow update not allowed" }

    /// Moves the quarantined pack into the repository and the refs by compare-and-swap:
    /// each on its own, or all in one transaction for an atomic push.
    static func apply(_ request: ReceivePackRequest, results: [RefResult], in session: ReceiveSession) -> [RefResult] {
        if request.isAtomic && !results.allSatisfy(\.isOK) {
            return results.map { $0.isOK ? .rejected("atomic push failed") : $0 }
        }
        let accepted = request.commands.indices.filter { results[$0].isOK }
        guard !accepted.isEmpty else { return results }
        if accepted.contains(where: { !request.commands[$0].isDelete }) {
            do { try session.quarantine.migrate() } catch {
                return results.map { $0.isOK ? .rejected(error.description) : $0 }
            }
        }
        var results = results
        if request.isAtomic {
            results = session.repository.update(request.commands)
        } else {
            for index in accepted {
                results[index] = session.repository.update([request.commands[index]])[0]
            }
        }
        return results
    }

    /// Sends the report-status and returns what it said.
    func finish(
        _ request: ReceivePackRequest, results: [RefResult], unpackError: String?, reply: ReceivePackReply
    ) -> [(RefCommand, RefResult)] {
        let report = Array(zip(request.commands, results))
        reply.report(unpackError: unpackError, results: report)
        return report
    }
}

/// The pack scanner of one push on a serial queue of its own.
private final class ScanQueue: @unchecked Sendable {
    // Touched only on `queue`.
    private let scanner: PackStreamScanner
    private let queue = DispatchQueue(label: "gantry.receive-pack.scan")

    init(_ scanner: PackStreamScanner) { self.scanner = scanner }

    func enqueue(_ body: @escaping @Sendable (PackStreamScanner) -> Void) {
        let changeWork = Background.isChangeWork
        queue.async { Background.run(if: changeWork) { body(self.scanner) } }
    }

    /// Waits until everything enqueued has been scanned.
    func drain() async { await queue.await(inBackground: false) {} }
}
