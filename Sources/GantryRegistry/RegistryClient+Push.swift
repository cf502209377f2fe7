import Foundation
import GantryHTTP
import GantryImage

/// An image pushed to a registry by its digest.
public struct PushedImage: Hashable, Sendable {
    /// `HOST[:PORT]/REPOSITORY@sha256:…`, what a release records.
    public var reference: String
    /// The repository it went to.
    public var repository: String
    /// The manifest's digest (the image's).
    public var digest: Digest
    /// How many blobs the image has (its config and its layers).
    public var blobs: Int
    /// Blobs the repository held already: not sent.
    public var alreadyThere: Int
    /// Blobs mounted from another repository of the registry: not sent.
    public var mounted: Int
    /// The bytes of blobs and manifest sent.
    public var bytesSent: Int64
    /// How long the push took.
    public var duration: Duration
    /// The manifest as stored, and its media type: what `tag` sends again.
    var manifest: [UInt8]
    var mediaType: String

    /// `Pushed 127.0.0.1:5000/hello@sha256:abcd… (3 blobs, 2 already there, 1.2 MB sent in 0.4 s)`;
    /// under 1 MB in kB.
    public var summary: String {
        let head = reference.split(separator: "@").first.map(String.init) ?? reference
        var parts = ["\(blobs) blob\(blobs == 1 ? "" : "s")", "\(alreadyThere) already there"]
        if mounted > 0 { parts.append("\(mounted) mounted from another app") }
        let sent = bytesSent < 1_000_000 ? String(format: "%.1f kB", Double(bytesSent) / 1000) : String(format: "%.1f MB", Double(bytesSent) / 1_000_000)
        let seconds = Double(duration.components.seconds) + Double(duration.components.attoseconds) / 1e18
        parts.append(sent + " sent in " + String(format: "%.1f s", seconds))
        return "Pushed \(head)@\(digest.description.prefix(19))… (\(parts.joined(separator: ", ")))"
    }
}

extension RegistryClient {
    /// Pushes `image` from `layout` to `repository` by its digest: each blob (config, layers)
    /// is first asked for (`HEAD`), and sent only when the repository lacks it — mounted from
    /// another repository of this registry known to hold it, else uploaded in one `PUT` read
    /// from its file — a few at a time; then the manifest, its stored bytes exactly, under its
    /// digest. The registry's `Docker-Content-Digest` must equal what was sent.
    /// - Returns: what was pushed and sent.
    /// - Throws: `RegistryError`.
    public func push(_ image: Image, from layout: ImageLayout, repository: String) async throws(RegistryError) -> PushedImage {
        guard RegistryEndpoint.isRepositoryName(repository) else {
            throw .invalidConfiguration("\(repository) is not a registry repository name")
        }
        let started = ContinuousClock.now
        let manifest: Manifest
        do { manifest = try await layout.manifest(image.digest) } catch { throw .localImage("\(error)") }
        let bytes: [UInt8]
        do { bytes = Array(try Data(contentsOf: URL(fileURLWithPath: layout.blobPath(image.digest)))) } catch {
            throw .localImage("manifest \(image.digest): \(error.localizedDescription)")
        }
        guard Digest.of(bytes) == image.digest else { throw .localImage("manifest \(image.digest) does not match its digest") }

        let blobs = [manifest.config] + manifest.layers
        var outcomes: [BlobOutcome] = []
        do {
            outcomes = try await withThrowingTaskGroup(of: BlobOutcome.self) { group in
                var results: [BlobOutcome] = []
                var pending = blobs[...]
                for _ in 0..<concurrentBlobs {
                    guard let blob = pending.popFirst() else { break }
                    group.addTask { try await self.pushBlob(blob, from: layout, repository: repository) }
                }
                while let outcome = try await group.next() {
                    results.append(outcome)
                    if let blob = pending.popFirst() {
                        group.addTask { try await self.pushBlob(blob, from: layout, repository: repository) }
                    }
                }
                return results
            }
        } catch let error as RegistryError {
            throw error
        } catch {
            throw .localImage("\(error)")
        }

        let operation = Operation(words: "store manifest \(image.digest.short) in \(repository)", repository: repository)
        try await putManifest(bytes, mediaType: manifest.mediaType, reference: image.digest.description, expected: image.digest, operation: operation)
        return PushedImage(
            reference: endpoint.reference(repository: repository, digest: image.digest.description), repository: repository,
            digest: image.digest, blobs: blobs.count, alreadyThere: outcomes.count { $0 == .alreadyThere },
            mounted: outcomes.count { $0 == .mounted },
            bytesSent: outcomes.reduce(Int64(bytes.count)) { sent, outcome in
                if case .uploaded(let size) = outcome { return sent + size }
                return sent
            },
            duration: ContinuousClock.now - started, manifest: bytes, mediaType: manifest.mediaType)
    }

    /// Tags a pushed image `tag` (`v3`) in its repository: its manifest again, under the tag.
    /// - Throws: `RegistryError`; `.invalidConfiguration` for a tag the spec refuses.
    public func tag(_ image: PushedImage, as tag: String) async throws(RegistryError) {
        guard Self.isTag(tag) else { throw .invalidConfiguration("\(tag) is not a registry tag") }
        let operation = Operation(words: "tag \(image.repository):\(tag)", repository: image.repository)
        try await putManifest(image.manifest, mediaType: image.mediaType, reference: tag, expected: image.digest, operation: operation)
    }

    /// The spec's tag grammar: `[a-zA-Z0-9_][a-zA-Z0-9._-]{0,127}`.
    static func isTag(_ tag: String) -> Bool {
        guard let first = tag.unicodeScalars.first, tag.unicodeScalars.count <= 128 else { return false }
        func isWord(_ scalar: Unicode.Scalar) -> Bool { scalar.isASCII && (scalar.properties.isAlphabetic || ("0"..."9").contains(scalar) || scalar == "_") }
        return isWord(first) && tag.unicodeScalars.allSatisfy { isWord($0) || $0 == "." || $0 == "-" }
    }

    enum BlobOutcome: Hashable, Sendable {
        case alreadyThere
        case mounted
        case uploaded(Int64)
    }

    /// Sends one blob unless the repository has it.
    func pushBlob(_ blob: Descriptor, from layout: ImageLayout, repository: String) async throws(RegistryError) -> BlobOutcome {
        let digest = blob.digest.description
        let path = layout.blobPath(blob.digest)
        guard let attributes = try? FileManager.default.attributesOfItem(atPath: path), (attributes[.size] as? Int) == blob.size else {
            throw .localImage("blob \(blob.digest.short) is missing from \(layout.root) or not of its size \(blob.size)")
        }
        let check = Operation(words: "look up blob \(blob.digest.short) in \(repository)", repository: repository)
        let head = try await send(HTTPRequest(method: .head, url: url(repository, "blobs/\(digest)"), timeout: .seconds(30)), for: check)
        if head.status == 200 {
            await ledger.holds(digest, in: repository)
            return .alreadyThere
        }
        _ = try expect(head, [404], for: check)

        // Start an upload session, mounting the blob from another repository when one holds it.
        var location: String?
        if let source = await ledger.otherHolder(of: digest, besides: repository) {
            let mount = Operation(words: "mount blob \(blob.digest.short) from \(source) into \(repository)", repository: repository, source: source)
            let answer = try expect(
                try await send(HTTPRequest(method: .post, url: url(repository, "blobs/uploads/?mount=\(digest)&from=\(source)"), timeout: .seconds(60)), for: mount),
                [201, 202], for: mount)
            if answer.status == 201 {
                try checkDigest(answer, expected: blob.digest, operation: mount)
                await ledger.holds(digest, in: repository)
                return .mounted
            }
            location = answer.headers["Location"]  // the registry started an upload instead
        }
        let upload = Operation(words: "upload blob \(blob.digest.short) to \(repository)", repository: repository)
        if location == nil {
            let started = try expect(
                try await send(HTTPRequest(method: .post, url: url(repository, "blobs/uploads/"), timeout: .seconds(60)), for: upload), [202], for: upload)
            location = started.headers["Location"]
        }
        guard let location, !location.isEmpty else {
            throw .refused(registry: endpoint.description, operation: upload.words, status: 202, message: "no Location for the upload")
        }
        let target = absolute(location)
        // At least 1 MB/s, plus a minute.
        let put = HTTPRequest(
            method: .put, url: target + (target.contains("?") ? "&" : "?") + "digest=\(digest)",
            headers: ["Content-Type": "application/octet-stream"], timeout: .seconds(60 + blob.size / 1_000_000))
        let stored = try expect(try await send(put, for: upload, bodyFile: path), [201], for: upload)
        try checkDigest(stored, expected: blob.digest, operation: upload)
        await ledger.holds(digest, in: repository)
        return .uploaded(Int64(blob.size))
    }

    private func putManifest(_ bytes: [UInt8], mediaType: String, reference: String, expected: Digest, operation: Operation) async throws(RegistryError) {
        let request = HTTPRequest(
            method: .put, url: url(operation.repository, "manifests/\(reference)"), headers: ["Content-Type": mediaType], body: bytes,
            timeout: .seconds(60))
        let answer = try expect(try await send(request, for: operation), [201], for: operation)
        try checkDigest(answer, expected: expected, operation: operation)
    }

    /// The registry's `Docker-Content-Digest`, when it sends one, must be `expected`.
    private func checkDigest(_ response: HTTPResponse, expected: Digest, operation: Operation) throws(RegistryError) {
        guard let answered = response.headers["Docker-Content-Digest"], answered != expected.description else { return }
        throw .digestMismatch(registry: endpoint.description, operation: operation.words, expected: expected.description, actual: answered)
    }
}
