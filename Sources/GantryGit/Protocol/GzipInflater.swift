internal import CZlib

/// Decodes a `Content-Encoding: gzip` request body as it arrives (git gzips an upload-pack
/// request over 1 KiB or so), refusing to inflate past `limit` bytes: a small hostile body can
/// inflate a thousandfold.
public final class GzipInflater {
    /// The most bytes the body may inflate to.
    public let limit: Int
    private var stream = z_stream()
    private var produced = 0
    private var ended = false
    private var scratch = [UInt8](repeating: 0, count: 64 << 10)

    /// - Throws: `GzipError.corrupt` when zlib cannot start.
    public init(limit: Int) throws(GzipError) {
        self.limit = limit
        // 15 + 16: a window of 32 KiB, gzip framing only.
        let status = ZLIB_VERSION.withCString { inflateInit2_(&stream, 15 + 16, $0, Int32(MemoryLayout<z_stream>.size)) }
        guard status == Z_OK else { throw .corrupt("zlib cannot start (\(status))") }
    }

    deinit { inflateEnd(&stream) }

    /// Inflates the next bytes of the body.
    /// - Returns: the bytes they inflate to (possibly none).
    /// - Throws: `GzipError.tooLarge` once the output passes `limit`; `.corrupt` for bytes
    ///   that are not gzip, or that follow its end.
    public func inflate(_ bytes: [UInt8]) throws(GzipError) -> [UInt8] {
        guard !bytes.isEmpty else { return [] }
        guard !ended else { throw .corrupt("bytes after the end of the gzip stream") }
        var output: [UInt8] = []
        var status: Int32 = Z_OK
        let failure = bytes.withUnsafeBytes { (input: UnsafeRawBufferPointer) -> GzipError? in
            stream.next_in = UnsafeMutablePointer(mutating: input.baseAddress!.assumingMemoryBound(to: UInt8.self))
            stream.avail_in = UInt32(input.count)
            repeat {
                let count: Int
                (status, count) = stream.inflate(into: &scratch)
                guard status == Z_OK || status == Z_STREAM_END || (status == Z_BUF_ERROR && stream.avail_in == 0) else {
                    return .corrupt("zlib \(status)")
                }
                produced += count
                guard produced <= limit else { return .tooLarge(limit: limit) }
                output += scratch[0..<count]
            } while status == Z_OK && (stream.avail_in > 0 || stream.avail_out == 0)
            return nil
        }
        if let failure { throw failure }
        if status == Z_STREAM_END {
            ended = true
            guard stream.avail_in == 0 else { throw .corrupt("bytes after the end of the gzip stream") }
        }
        return output
    }

    /// Checks that the body ended where the gzip stream does.
    /// - Throws: `GzipError.corrupt` for a body cut short.
    public func finish() throws(GzipError) {
        guard ended else { throw .corrupt("the gzip stream ends early") }
    }
}

/// Why a gzipped request body was refused.
public enum GzipError: Error, Sendable, Equatable, CustomStringConvertible {
    /// It inflates past the limit.
    case tooLarge(limit: Int)
    /// It is not a whole gzip stream.
    case corrupt(String)

    public var description: String {
        switch self {
        case .tooLarge(let limit): "the request inflates to more than \(limit) bytes"
        case .corrupt(let reason): "the request is not valid gzip: \(reason)"
        }
    }
}
