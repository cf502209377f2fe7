import Foundation

/// An RFC 7807 problem document from an ACME server (RFC 8555 §6.7), with the `Retry-After`
/// of the response that carried it.
public struct ACMEProblem: Sendable, Hashable, CustomStringConvertible {
    /// The problem type, `urn:ietf:params:acme:error:rateLimited`.
    public var type: String
    /// The server's explanation for a human.
    public var detail: String
    /// The HTTP status (from the document, else the response).
    public var status: Int?
    /// The identifier a subproblem is about (`www.example.com`), nil at the top level.
    public var identifier: String?
    /// Problems with single identifiers of the request, if the server gave any.
    public var subproblems: [ACMEProblem]
    /// How long the server asked to be left alone, from `Retry-After`.
    public var retryAfter: Duration?

    /// Creates a problem.
    public init(
        type: String, detail: String, status: Int? = nil, identifier: String? = nil, subproblems: [ACMEProblem] = [],
        retryAfter: Duration? = nil
    ) {
        self.type = type
        self.detail = detail
        self.status = status
        self.identifier = identifier
        self.subproblems = subproblems
        self.retryAfter = retryAfter
    }

    /// The ACME error namespace, `urn:ietf:params:acme:error:`.
    static let acmeNamespace = "urn:ietf:params:acme:error:"

    /// The type without the ACME namespace: `rateLimited`, `badNonce`; other types as given.
    public var shortType: String {
        type.hasPrefix(Self.acmeNamespace) ? String(type.dropFirst(Self.acmeNamespace.count)) : type
    }

    /// Whether this is an ACME error of the short type `name` (`badNonce`).
    public func isACME(_ name: String) -> Bool { type == Self.acmeNamespace + name }

    /// `rateLimited: too many certificates; www.example.com: caa: CAA forbids (retry after 3600 s)`.
    public var description: String {
        var text = "\(shortType): \(Self.oneLine(detail))"
        for sub in subproblems {
            text += "; \(sub.identifier.map { "\($0): " } ?? "")\(sub.shortType): \(Self.oneLine(sub.detail))"
        }
        if let retryAfter { text += " (retry after \(retryAfter.components.seconds) s)" }
        return text
    }

    private static func oneLine(_ text: String) -> String {
        text.split(whereSeparator: \.isNewline).joined(separator: " ").trimmingCharacters(in: .whitespaces)
    }
}

extension ACMEProblem {
    /// The problem a non-2xx response carries: its problem document, or — when the body is
    /// none — a problem naming the status and the start of the body.
    init(response status: Int, body: [UInt8], retryAfter: Duration?) {
        if let document = try? JSONDecoder().decode(ProblemDocument.self, from: Data(body)), document.type != nil {
            self.init(document: document, status: status)
        } else {
            let text = String(decoding: body.prefix(200), as: UTF8.self)
            self.init(type: "about:blank", detail: "HTTP \(status)\(text.isEmpty ? "" : ": " + text)", status: status)
        }
        self.retryAfter = retryAfter
    }

    /// A problem from its JSON form (an order's, an authorization's or a challenge's `error`).
    init(document: ProblemDocument, status: Int? = nil) {
        self.init(
            type: document.type ?? "about:blank", detail: document.detail ?? "(no detail)", status: document.status ?? status,
            identifier: document.identifier?.value,
            subproblems: (document.subproblems ?? []).map { ACMEProblem(document: $0) })
    }
}

/// A problem document as JSON (RFC 7807 plus RFC 8555's `subproblems` and `identifier`).
struct ProblemDocument: Decodable, Sendable {
    var type: String?
    var detail: String?
    var status: Int?
    var identifier: ACMEIdentifier?
    var subproblems: [ProblemDocument]?
}
