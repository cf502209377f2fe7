import Foundation

extension DockerEngine {
    /// `POST /images/load`: loads a `docker save` archive (manifest.json, the configs, the
    /// layer tars) into the engine's image store.
    ///
    /// The archive is read into memory and sent as the body: meant for tests' small images.
    /// Production images reach the Swarm's nodes through a registry.
    /// - Returns: the engine's report, one `Loaded image: NAME:TAG` line per image.
    /// - Throws: `EngineError.unreadableFile`, `EngineError.refused` with the engine's message for a bad archive.
    public func loadImage(archive path: String) async throws(EngineError) -> [String] {
        let bytes: [UInt8]
        do { bytes = Array(try Data(contentsOf: URL(fileURLWithPath: path))) } catch {
            throw .unreadableFile(path: path, detail: error.localizedDescription)
        }
        let body = try await send(
            .post, "/images/load", query: [("quiet", "1")], body: bytes, contentType: "application/x-tar",
            timeout: .seconds(300), operation: "load the image archive \(path)")
        // One JSON object a line, ended by CRLF (split as bytes: "\r\n" is one Character):
        // {"stream": "Loaded image: x:y\n"} or {"errorDetail": …, "error": "…"}.
        struct Progress: Decodable { let stream: String?; let error: String? }
        var loaded: [String] = []
        for line in body.split(separator: UInt8(ascii: "\n")) {
            guard let progress = try? JSONDecoder().decode(Progress.self, from: Data(line)) else { continue }
            if let error = progress.error {
                throw .refused(operation: "load the image archive \(path)", status: 200, message: error)
            }
            if let stream = progress.stream?.trimmingCharacters(in: .whitespacesAndNewlines), !stream.isEmpty {
                loaded.append(stream)
            }
        }
        return loaded
    }

    /// `DELETE /images/{name}?force=1`: removes an image (tests' cleanup).
    /// - Returns: false when there was no such image.
    /// - Throws: `EngineError` (an image a container still uses: 409).
    @discardableResult
    public func removeImage(_ name: String) async throws(EngineError) -> Bool {
        do {
            _ = try await send(.delete, "/images/\(DockerEngine.escape(name))", query: [("force", "1")], operation: "remove image \(name)")
            return true
        } catch where error.isNotFound {
            return false
        }
    }
}
