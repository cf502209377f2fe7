extension DockerEngine {
    /// `GET /services/{id}/logs?stdout=1&stderr=1&timestamps=1&tail=N`: the last `tail` lines
    /// of each of the service's tasks, stdout and stderr apart, demultiplexed.
    /// - Throws: `EngineError.refused` (no such service: 404), `EngineError.malformedResponse`
    ///   when the body is not the multiplexed format.
    public func serviceLogs(_ service: String, tail: Int = 100) async throws(EngineError) -> [LogLine] {
        let body = try await send(
            .get, "/services/\(DockerEngine.escape(service))/logs",
            query: [("stdout", "1"), ("stderr", "1"), ("timestamps", "1"), ("tail", String(tail))],
            operation: "read the logs of service \(service)")
        do { return try LogFrames.lines(body, timestamps: true) } catch {
            throw .malformedResponse(operation: "service logs", detail: "\(error.detail) at byte \(error.offset)")
        }
    }
}
