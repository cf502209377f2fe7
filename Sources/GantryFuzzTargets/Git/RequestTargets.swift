import GantryGit

/// What a clone's HTTP request brings before git sees it: a gzipped body and the
/// `Git-Protocol` header.
enum RequestTargets {
    /// The most a fuzzed body may inflate to: small, so a bomb is seen quickly.
    static let limit = 64 << 10

    /// A `Content-Encoding: gzip` body, fed whole and in pieces: both give the same bytes or
    /// both refuse it, and never more than the limit.
    static let gzipRequest = FuzzTarget("gzip-request", "a gzipped fetch request (GzipInflater)") { input throws(FuzzFailure) in
        let whole = inflate([input[...]])
        let pieces = inflate(Splits.pieces(input, count: 3))
        try FuzzFailure.check(
            whole == pieces || (whole == nil && pieces == nil), "gzip-request",
            "fed in pieces it inflates differently: \(whole?.count ?? -1) vs \(pieces?.count ?? -1) bytes")
        try FuzzFailure.check((whole?.count ?? 0) <= limit, "gzip-request", "inflated past the limit of \(limit)")
        if let header = String(validating: input, as: UTF8.self), let parameters = GitProtocolParameters(header: header) {
            try FuzzFailure.check(
                parameters.value.utf8.allSatisfy { $0 > 0x20 && $0 < 0x7f && $0 != UInt8(ascii: "'") && $0 != UInt8(ascii: "$") },
                "gzip-request", "a Git-Protocol value with an unsafe byte was accepted")
        }
    }

    /// The body `pieces` inflate to, or `nil` when it is refused.
    private static func inflate(_ pieces: [ArraySlice<UInt8>]) -> [UInt8]? {
        do throws(GzipError) {
            let inflater = try GzipInflater(limit: limit)
            var output: [UInt8] = []
            for piece in pieces { output += try inflater.inflate(Array(piece)) }
            try inflater.finish()
            return output
        } catch {
            return nil
        }
    }
}
