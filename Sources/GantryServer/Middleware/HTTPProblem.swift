import HTTPTypes
import Foundation
import GantryCore
import GantryGit
import GantryStore
import Hummingbird

/// An error answer: a status and a message the user can act on, sent as `{"error": "..."}`.
public struct HTTPProblem: Error, Sendable, CustomStringConvertible {
    public let status: HTTPResponse.Status
    public let message: String
    /// Extra headers (e.g. `WWW-Authenticate`).
    public var headers: HTTPFields = [:]

    public init(_ status: HTTPResponse.Status, _ message: String, headers: HTTPFields = [:]) {
        self.status = status
        self.message = message
        self.headers = headers
    }

    public var description: String { "\(status.code) \(message)" }

    /// The answer for any error a handler throws: domain errors keep their message and get
    /// the status that fits; anything unexpected is a 500 that names it.
    static func from(_ error: any Error) -> HTTPProblem {
        switch error {
        case let problem as HTTPProblem: problem
        case let error as InvalidAppName: HTTPProblem(.badRequest, error.description)
        case let error as InvalidKeyName: HTTPProblem(.badRequest, error.description)
        case let error as InvalidUserName: HTTPProblem(.badRequest, error.description)
        case let error as InvalidRole: HTTPProblem(.badRequest, error.description)
        case let error as InvalidDomainName: HTTPProblem(.badRequest, error.description)
        case let error as SSHKeyError: HTTPProblem(.badRequest, error.description)
        case let error as InvalidCloneURL: HTTPProblem(.badRequest, error.description)
        case let error as InvalidRefName: HTTPProblem(.badRequest, error.description)
        case let error as StoreError:
            switch error {
            case .appExists, .sshKeyExists, .sshKeyDuplicate, .userExists, .lastAdmin, .lastOwner, .domainTaken: HTTPProblem(.conflict, error.description)
            case .appNotFound, .buildNotFound, .releaseNotFound, .sshKeyNotFound, .webhookNotFound, .userNotFound, .accessNotFound, .tokenNotFound, .domainNotFound, .certificateNotFound:
                HTTPProblem(.notFound, error.description)
            case .invalidConfig, .invalidFormation: HTTPProblem(.badRequest, error.description)
            case .releaseStatusConflict: HTTPProblem(.conflict, error.description)
            case .database: HTTPProblem(.internalServerError, error.description)
            }
        case let error as OperationError:
            switch error.kind {
            case .invalid: HTTPProblem(.badRequest, error.message)
            case .notFound: HTTPProblem(.notFound, error.message)
            case .conflict: HTTPProblem(.conflict, error.message)
            case .failed: HTTPProblem(.unprocessableContent, error.message)
            }
        case let error as InvalidFormation: HTTPProblem(.badRequest, error.description)
        case let error as HTTPError: HTTPProblem(error.status, error.body ?? error.status.reasonPhrase)
        case let error as ReceiveError:
            switch error {
            case .tooLarge, .commandsTooLarge, .packTooLarge: HTTPProblem(.contentTooLarge, error.description)
            default: HTTPProblem(.badRequest, error.description)
            }
        case let error as GitError: HTTPProblem(.internalServerError, "git: \(error.description)")
        default: HTTPProblem(.internalServerError, "internal error: \(error)")
        }
    }

    /// This problem as a JSON response.
    var response: Response {
        var response = Response.json(APIError(error: message), status: status)
        response.headers.append(contentsOf: headers)
        return response
    }
}

/// Turns every error thrown below it into a JSON `{"error": "..."}` answer and logs 5xx ones.
struct ProblemMiddleware<Context: RequestContext>: RouterMiddleware {
    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        do {
            return try await next(request, context)
        } catch {
            let problem = HTTPProblem.from(error)
            if problem.status.code >= 500 {
                context.logger.error("\(request.method) \(request.uri.path): \(problem.message)")
            }
            return problem.response
        }
    }
}

extension Response {
    /// A JSON response encoded with the API's conventions.
    static func json(_ value: some Encodable, status: HTTPResponse.Status = .ok) -> Response {
        let data = (try? API.encoder().encode(value)) ?? Data(#"{"error":"cannot encode response"}"#.utf8)
        return Response(
            status: status,
            headers: [.contentType: "application/json; charset=utf-8"],
            body: .init(byteBuffer: ByteBuffer(bytes: data)))
    }
}
