import GantryCore
import GantryGit
import HTTPTypes
import Hummingbird
import NIOCore

extension GitHTTPController {
    static var uploadPackService: String { "git-upload-pack" }

    /// The most bytes a fetch request may carry, after gzip: git's `http.maxRequestBuffer`
    /// default, which its http-backend applies to the same bodies. A fetch sends its wants and
    /// haves, 50 bytes a commit, and git splits long negotiations into rounds.
    static let maxFetchRequestBytes = 10 << 20

    /// `POST /APP.git/git-upload-pack`: one round of a clone or fetch, as git's http-backend
    /// answers it (`git upload-pack --stateless-rpc`).
    func uploadPack(_ request: Request, _ context: Context) async throws -> Response {
        let (app, _) = try await authorizedApp(request, context, needs: .read)
        guard request.headers[.contentType] == "application/x-\(Self.uploadPackService)-request" else {
            throw HTTPProblem(.unsupportedMediaType, "expected Content-Type application/x-\(Self.uploadPackService)-request")
        }
        if let length = request.headers[.contentLength].flatMap(Int.init), length > Self.maxFetchRequestBytes {
            throw HTTPProblem(.contentTooLarge, "a fetch request may carry at most \(Self.maxFetchRequestBytes) bytes")
        }
        let inflater: GzipInflater?
        switch request.headers[.contentEncoding]?.lowercased() {
        case nil, "identity": inflater = nil
        case "gzip", "x-gzip": inflater = try GzipInflater(limit: Self.maxFetchRequestBytes)
        case let other?: throw HTTPProblem(.unsupportedMediaType, "Content-Encoding \(other.prefix(40)) is not supported; use gzip or none")
        }
        let input = RequestBodyInput(request.body, inflater: inflater, limit: Self.maxFetchRequestBytes)
        return try await uploadPack(.statelessRPC, app: app, request, context, input: input)
    }

    /// Runs git's upload-pack for one request: the advertisement (`GET info/refs`, with the
    /// `# service=git-upload-pack` line first unless the client speaks protocol v2) or one
    /// round of negotiation and the pack, streamed as git writes it. A client that goes away
    /// ends git.
    func uploadPack(
        _ mode: UploadPack.Mode, app: AppName, _ request: Request, _ context: Context, input: RequestBodyInput? = nil
    ) async throws -> Response {
        let parameters = request.headers[HTTPField.Name("Git-Protocol")!].flatMap(GitProtocolParameters.init(header:))
        var headers = Self.noCacheHeaders
        headers[.contentType] = "application/x-\(Self.uploadPackService)-\(mode == .advertisement ? "advertisement" : "result")"
        let uploadPack = UploadPack(repository: configuration.dataDirectory.repository(for: app))
        let logger = context.logger
        return Response(status: .ok, headers: headers, body: ResponseBody { writer in
            if mode == .advertisement && (parameters?.version ?? 0) < 2 {
                try await writer.write(ByteBuffer(bytes: PktLine.encode(line: "# service=\(Self.uploadPackService)") + PktLine.flushBytes))
            }
            let sink = WriterBox(writer)
            let status = try await uploadPack.run(
                mode, parameters: parameters, input: input,
                output: { try await sink.write($0) },
                errors: { logger.info("git upload-pack \(app): \(String(buffer: $0).prefix(500))") })
            if status != 0 { logger.info("git upload-pack \(app) exited with status \(status)") }
            try await sink.finish()
        })
    }
}

/// The response writer, handed to the `@Sendable` output of `UploadPack`, which calls it from
/// one task at a time and never after `finish`.
private final class WriterBox: @unchecked Sendable {
    private var writer: any ResponseBodyWriter
    init(_ writer: any ResponseBodyWriter) { self.writer = writer }
    func write(_ buffer: ByteBuffer) async throws { try await writer.write(buffer) }
    func finish() async throws {
        let writer = writer
        try await writer.finish(nil)
    }
}
