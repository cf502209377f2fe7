import Foundation
import GantryHTTP

/// The request layer: the directory, nonces, signed POSTs with badNonce retries, polling.
extension ACMEClient {
    /// The directory, fetched once.
    /// - Throws: `ACMEError` when it cannot be fetched or read.
    func fetchDirectory() async throws(ACMEError) -> ACMEDirectory {
        if let directory { return directory }
        let response = try await send(HTTPRequest(url: directoryURL, headers: ["Accept": "application/json"]))
        guard response.isSuccess else {
            throw .refused(action: "the directory request", problem: Self.problem(in: response))
        }
        let fetched = try Self.decode(ACMEDirectory.self, response, url: directoryURL)
        directory = fetched
        return fetched
    }

    /// POSTs `payload` (nil: POST-as-GET) to `url`, signed, with a fresh nonce; sends it again
    /// after a `badNonce` rejection, up to `badNonceRetries` times.
    /// - Parameter deadline: when given, the request may take only what is left of it.
    /// - Returns: the 2xx response.
    /// - Throws: `ACMEError.refused` naming `action` with the CA's problem; `.timedOut` when
    ///   `deadline` passed; transport errors.
    func post(
        _ url: String, payload: [UInt8]?, action: String, signer: JWS.Signer, accept: String = "application/json",
        deadline: Deadline? = nil
    ) async throws(ACMEError) -> HTTPResponse {
        var retries = 0
        while true {
            let nonce = try await takeNonce()
            let jws = try JWS.sign(payload: payload, url: url, nonce: nonce, signer: signer, key: accountKey)
            let request = HTTPRequest(
                method: .post, url: url, headers: ["Content-Type": "application/jose+json", "Accept": accept], body: jws.body,
                timeout: try deadline?.timeLeft(for: action))
            let response: HTTPResponse
            do {
                response = try await send(request)
            } catch {
                if case .unreachable = error, let deadline, deadline.hasPassed {
                    throw .timedOut(waitingFor: action, limit: deadline.limit)
                }
                throw error
            }
            if response.isSuccess { return response }
            let problem = Self.problem(in: response)
            if problem.isACME("badNonce"), retries < Self.badNonceRetries {
                retries += 1
                logger?.debug("ACME server rejected a nonce; sending again", metadata: ["url": "\(url)", "retry": "\(retries)"])
                continue
            }
            throw .refused(action: action, problem: problem)
        }
    }

    /// POST-as-GETs `url` until `isDone` says so, waiting `Retry-After` (else 1 s) in between.
    /// - Throws: `ACMEError.timedOut` naming `waitingFor` when `deadline` would pass first.
    func poll<Resource: Decodable>(
        _ url: String, as type: Resource.Type, waitingFor: String, deadline: Deadline, signer: JWS.Signer,
        until isDone: (Resource) -> Bool
    ) async throws(ACMEError) -> Resource {
        while true {
            let response = try await post(url, payload: nil, action: waitingFor, signer: signer, deadline: deadline)
            let resource = try Self.decode(Resource.self, response, url: url)
            if isDone(resource) { return resource }
            let delay = Self.retryAfter(in: response.headers) ?? Self.defaultPollInterval
            guard ContinuousClock.now + delay < deadline.end else {
                throw .timedOut(waitingFor: waitingFor, limit: deadline.limit)
            }
            do { try await Task.sleep(for: delay) } catch { throw .cancelled }
        }
    }

    /// The nonce to sign with: the last one the CA sent, else a new one from newNonce (HEAD).
    private func takeNonce() async throws(ACMEError) -> String {
        // Another request of this actor may take the fetched nonce while this one waits.
        for _ in 0..<3 {
            if let nonce {
                self.nonce = nil
                return nonce
            }
            let url = try await fetchDirectory().newNonce
            let response = try await send(HTTPRequest(method: .head, url: url))
            guard response.headers["Replay-Nonce"] != nil else {
                throw .malformedResponse(url: url, detail: "newNonce answered HTTP \(response.status) without a Replay-Nonce header")
            }
        }
        throw .malformedResponse(url: directoryURL, detail: "no nonce could be kept for a request")
    }

    /// Sends `request`, keeping the answer's `Replay-Nonce`.
    /// - Throws: `ACMEError.unreachable` (or `.cancelled`) when no answer came.
    private func send(_ request: HTTPRequest) async throws(ACMEError) -> HTTPResponse {
        let response: HTTPResponse
        do {
            response = try await transport.perform(request)
        } catch {
            switch error {
            case .cancelled: throw .cancelled
            case .responseTooLarge(let url, _): throw .malformedResponse(url: url, detail: error.detail)
            default: throw .unreachable(url: error.url, detail: error.detail)
            }
        }
        if let fresh = response.headers["Replay-Nonce"], !fresh.isEmpty { nonce = fresh }
        return response
    }

    /// The problem a failed response carries, with its `Retry-After`.
    static func problem(in response: HTTPResponse) -> ACMEProblem {
        ACMEProblem(response: response.status, body: response.body, retryAfter: retryAfter(in: response.headers))
    }

    /// `Retry-After` as seconds or an HTTP date (RFC 9110 §10.2.3), nil when absent or unreadable.
    static func retryAfter(in headers: HTTPHeaders) -> Duration? {
        guard let value = headers["Retry-After"]?.trimmingCharacters(in: .whitespaces), !value.isEmpty else { return nil }
        if let seconds = Int(value) { return .seconds(max(0, seconds)) }
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.timeZone = TimeZone(identifier: "GMT")
        formatter.dateFormat = "EEE, dd MMM yyyy HH:mm:ss zzz"
        guard let date = formatter.date(from: value) else { return nil }
        return .seconds(max(0, Int(date.timeIntervalSinceNow.rounded(.up))))
    }

    /// `resource` as compact JSON.
    static func json(_ resource: some Encodable) -> [UInt8] {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.withoutEscapingSlashes]
        // The payloads are plain strings, arrays and booleans: encoding cannot fail.
        return (try? encoder.encode(resource)).map(Array.init) ?? []
    }

    /// The body of `response` as `type`.
    /// - Throws: `ACMEError.malformedResponse` saying what was missing or wrong.
    static func decode<Resource: Decodable>(_ type: Resource.Type, _ response: HTTPResponse, url: String) throws(ACMEError) -> Resource {
        do {
            return try JSONDecoder().decode(type, from: Data(response.body))
        } catch let error as DecodingError {
            throw .malformedResponse(url: url, detail: "not a valid \(type) object (\(summary(of: error)))")
        } catch {
            throw .malformedResponse(url: url, detail: "not a valid \(type) object")
        }
    }

    private static func summary(of error: DecodingError) -> String {
        switch error {
        case .keyNotFound(let key, _): "no \"\(key.stringValue)\""
        case .typeMismatch(_, let context), .valueNotFound(_, let context):
            "wrong \"\(context.codingPath.map(\.stringValue).joined(separator: "."))\""
        case .dataCorrupted: "not JSON"
        @unknown default: "unreadable"
        }
    }
}

/// When a whole issuance must be over.
struct Deadline: Sendable {
    /// The instant.
    let end: ContinuousClock.Instant
    /// The limit it was made from, for messages.
    let limit: Duration

    init(after limit: Duration) {
        self.limit = limit
        end = .now + limit
    }

    /// Whether it is over.
    var hasPassed: Bool { ContinuousClock.now >= end }

    /// How long a request for `waitingFor` may take: what is left, at most 30 s.
    /// - Throws: `ACMEError.timedOut` when nothing is left.
    func timeLeft(for waitingFor: String) throws(ACMEError) -> Duration {
        let left = end - .now
        guard left > .zero else { throw .timedOut(waitingFor: waitingFor, limit: limit) }
        return min(left, .seconds(30))
    }
}
