import GantryGit
import Synchronization

/// A build's output: every line goes to the pusher at once (`remote:`) and is kept for the
/// build's log in SQLite.
final class BuildLog: Sendable {
    private let reply: ReceivePackReply
    private let lines = Mutex<[String]>([])

    init(reply: ReceivePackReply) { self.reply = reply }

    /// A step: `-----> text`.
    func step(_ text: String) { line("-----> " + text) }

    /// A line as the buildpack printed it (buildpacks indent their own details).
    @Sendable func line(_ text: String) {
        lines.withLock { $0.append(text) }
        reply.progress(text)
    }

    /// A line of test output, indented under its step.
    @Sendable func detail(_ text: String) { line("       " + text) }

    var text: String { lines.withLock { $0.joined(separator: "\n") + "\n" } }
}
