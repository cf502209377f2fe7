import GantryGit
import Hummingbird

/// A request body read as the input of a push. Used by one task at a time: the handler reads
/// the command section, then hands it to the response writer that reads the pack.
final class RequestBodyInput: PushInput, @unchecked Sendable {
    private var iterator: RequestBody.AsyncIterator

    init(_ body: RequestBody) {
        iterator = body.makeAsyncIterator()
    }

    func next() async throws(ReceiveError) -> [UInt8]? {
        do {
            return try await iterator.next().map { Array($0.readableBytesView) }
        } catch {
            throw .input(String(describing: error))
        }
    }
}
