import GantryGit
import Hummingbird

/// A request body read as the input of a push or a fetch. Used by one task at a time: the
/// handler reads the command section, then hands it to the response writer that reads the pack.
final class RequestBodyInput: PushInput, @unchecked Sendable {
    private var iterator: RequestBody.AsyncIterator
    private let inflater: GzipInflater?
    private let limit: Int
    private var delivered = 0

    /// - Parameters:
    ///   - inflater: decodes a `Content-Encoding: gzip` body.
    ///   - limit: the most bytes the body may deliver (after decoding).
    init(_ body: RequestBody, inflater: GzipInflater? = nil, limit: Int = .max) {
        iterator = body.makeAsyncIterator()
        self.inflater = inflater
        self.limit = limit
    }

    func next() async throws(ReceiveError) -> [UInt8]? {
        while true {
            let chunk: ByteBuffer?
            do { chunk = try await iterator.next() } catch { throw .input(String(describing: error)) }
            do throws(GzipError) {
                guard let chunk else {
                    try inflater?.finish()
                    return nil
                }
                var bytes = Array(chunk.readableBytesView)
                if let inflater { bytes = try inflater.inflate(bytes) }
                delivered += bytes.count
                guard delivered <= limit else { throw GzipError.tooLarge(limit: limit) }
                if !bytes.isEmpty { return bytes }
            } catch {
                throw .input(error.description)
            }
        }
    }
}
