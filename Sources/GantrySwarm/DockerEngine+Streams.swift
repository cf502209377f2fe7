import Foundation
import GantryHTTP
import Synchronization

/// A change to a container, from the engine's event stream (`GET /events`).
public struct ContainerEvent: Hashable, Sendable {
    /// `start`, `die`, `health_status: healthy`, …
    public var action: String
    public var containerID: String
    /// The container's labels and the event's own attributes (`exitCode`, `name`, `image`).
    public var attributes: [String: String]

    /// The container's labels (as attributes: the engine merges them).
    public var labels: [String: String] { attributes }
}

/// One line a task of a service wrote, from a followed service log.
public struct ServiceLogLine: Hashable, Sendable {
    /// The engine's RFC 3339 time, nanoseconds.
    public var timestamp: String
    /// The task that wrote it.
    public var taskID: String
    public var text: String
}

extension DockerEngine {
    /// How long one streaming exchange may last before it is taken up again by its reader.
    static let streamTimeout: Duration = .seconds(24 * 3600)

    /// The engine's events about containers carrying `label`, as they happen, until the stream
    /// breaks (dockerd stopped) or the reader stops.
    public func containerEvents(labeled label: String) -> AsyncThrowingStream<ContainerEvent, any Error> {
        let filters = Self.filters(["type": ["container"], "label": [label]])
        let request = HTTPRequest(method: .get, url: Self.url("/events", query: [("filters", filters)]), timeout: Self.streamTimeout)
        return lines(of: request, operation: "stream its events", framed: false) { line, continuation in
            struct Event: Decodable {
                struct Actor: Decodable {
                    let ID: String
                    let Attributes: [String: String]?
                }
                let Action: String
                let Actor: Actor
            }
            guard let event = try? JSONDecoder().decode(Event.self, from: Data(line.utf8)) else { return }
            continuation.yield(ContainerEvent(action: event.Action, containerID: event.Actor.ID, attributes: event.Actor.Attributes ?? [:]))
        }
    }

    /// The lines the service's tasks write from `since` (seconds since 1970) on, as they are
    /// written, until the stream breaks or the reader stops.
    public func followServiceLogs(_ service: String, since: Double) -> AsyncThrowingStream<ServiceLogLine, any Error> {
        let query = [
            ("follow", "1"), ("stdout", "1"), ("stderr", "1"), ("timestamps", "1"), ("details", "1"),
            ("since", String(format: "%.6f", since)),
        ]
        let request = HTTPRequest(method: .get, url: Self.url("/services/\(Self.escape(service))/logs", query: query), timeout: Self.streamTimeout)
        return lines(of: request, operation: "follow the logs of service \(service)", framed: true) { line, continuation in
            // `TIMESTAMP com.docker.swarm.node.id=…,com.docker.swarm.service.id=…,com.docker.swarm.task.id=… TEXT`
            let parts = line.split(separator: " ", maxSplits: 2, omittingEmptySubsequences: false)
            guard parts.count == 3 else { return }
            let details = parts[1].split(separator: ",").reduce(into: [String: String]()) { details, pair in
                let field = pair.split(separator: "=", maxSplits: 1)
                if field.count == 2 { details[String(field[0])] = String(field[1]) }
            }
            continuation.yield(ServiceLogLine(
                timestamp: String(parts[0]), taskID: details["com.docker.swarm.task.id"] ?? "", text: String(parts[2])))
        }
    }

    /// Streams `request`'s body line by line to `handle` — demultiplexed first when `framed`
    /// (the engine's log format) — on a task the returned stream owns.
    private func lines<Element: Sendable>(
        of request: HTTPRequest, operation: String, framed: Bool,
        _ handle: @escaping @Sendable (String, AsyncThrowingStream<Element, any Error>.Continuation) -> Void
    ) -> AsyncThrowingStream<Element, any Error> {
        AsyncThrowingStream { continuation in
            let splitter = Mutex(LineSplitter(framed: framed))
            let task = Task { [client, host] in
                do {
                    let response = try await client.stream(request) { bytes in
                        for line in splitter.withLock({ $0.append(bytes) }) { handle(line, continuation) }
                    }
                    if !response.isSuccess {
                        throw EngineError.refused(operation: operation, status: response.status, message: Self.message(of: response))
                    }
                    continuation.finish()
                } catch let error as HTTPClientError {
                    continuation.finish(throwing: EngineError.unreachable(socketPath: host.socketPath, detail: error.detail))
                } catch {
                    continuation.finish(throwing: error)
                }
            }
            continuation.onTermination = { _ in task.cancel() }
        }
    }
}

/// Bytes in, complete lines out: the engine's frames (8-byte headers) taken off first when
/// `framed`; a line or frame cut across chunks waits for the rest.
struct LineSplitter: Sendable {
    let framed: Bool
    private var frames: [UInt8] = []
    private var text: [UInt8] = []

    init(framed: Bool) { self.framed = framed }

    mutating func append(_ bytes: [UInt8]) -> [String] {
        if framed {
            frames += bytes
            var offset = 0
            while frames.count - offset >= 8 {
                let length = frames[(offset + 4)..<(offset + 8)].reduce(0) { $0 << 8 | Int($1) }
                guard frames.count - offset - 8 >= length else { break }
                text += frames[(offset + 8)..<(offset + 8 + length)]
                offset += 8 + length
            }
            frames.removeFirst(offset)
        } else {
            text += bytes
        }
        var lines: [String] = []
        while let newline = text.firstIndex(of: UInt8(ascii: "\n")) {
            var line = String(decoding: text[..<newline], as: UTF8.self)
            if line.hasSuffix("\r") { line.removeLast() }
            lines.append(line)
            text.removeSubrange(...newline)
        }
        return lines
    }
}
