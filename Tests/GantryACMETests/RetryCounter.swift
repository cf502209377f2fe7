import Logging
import Synchronization

/// Counts the client's "sending again" log messages: the badNonce retries it made.
final class RetryCounter: Sendable {
    private let counted = Mutex(0)

    /// How many retries were logged.
    var count: Int { counted.withLock { $0 } }

    /// A logger at `debug` that counts them.
    var logger: Logger {
        var logger = Logger(label: "acme-test") { _ in Handler(counter: self) }
        logger.logLevel = .debug
        return logger
    }

    private struct Handler: LogHandler {
        let counter: RetryCounter
        var metadata: Logger.Metadata = [:]
        var logLevel: Logger.Level = .debug

        subscript(metadataKey key: String) -> Logger.Metadata.Value? {
            get { metadata[key] }
            set { metadata[key] = newValue }
        }

        func log(event: LogEvent) {
            if event.message.description.contains("sending again") { counter.counted.withLock { $0 += 1 } }
        }
    }
}
