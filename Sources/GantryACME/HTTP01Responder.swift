/// Where HTTP-01 key authorizations are published while a CA validates: the server behind
/// port 80 of every domain must answer `GET /.well-known/acme-challenge/TOKEN` with the
/// key authorization as the body (RFC 8555 §8.3). gantryd's router implements it.
public protocol HTTP01Responder: Sendable {
    /// Starts answering for `token` with `keyAuthorization`.
    func publish(token: String, keyAuthorization: String) async
    /// Stops answering for `token`.
    func withdraw(token: String) async
}
