import Foundation
import Glibc

/// A user name and password for a registry (`--registry-auth-file`): sent as HTTP basic
/// credentials, or to the registry's token service for a bearer token. Never printed: its
/// description hides the password.
public struct RegistryCredentials: Hashable, Sendable, CustomStringConvertible {
    /// The user name.
    public let username: String
    /// The password (or access token the registry takes as one).
    let password: String

    /// Credentials of `username` with `password`.
    public init(username: String, password: String) {
        self.username = username
        self.password = password
    }

    /// Reads `{"username": "...", "password": "..."}` from `path`, a file no other user may
    /// read (no permission bits for "others").
    /// - Throws: `RegistryError.invalidCredentials` saying what to fix; never quoting the file.
    public static func load(from path: String) throws(RegistryError) -> RegistryCredentials {
        var info = stat()
        guard stat(path, &info) == 0 else {
            throw .invalidCredentials(path: path, reason: "cannot read it (\(String(cString: strerror(errno))))")
        }
        guard (info.st_mode & S_IFMT) == S_IFREG else { throw .invalidCredentials(path: path, reason: "it is not a regular file") }
        guard info.st_mode & 0o007 == 0 else {
            throw .invalidCredentials(
                path: path, reason: "every user may read it (mode \(String(info.st_mode & 0o777, radix: 8))): `chmod 600 \(path)`")
        }
        guard info.st_size <= 64 * 1024, let data = FileManager.default.contents(atPath: path) else {
            throw .invalidCredentials(path: path, reason: "cannot read it, or it is larger than 64 KiB")
        }
        struct File: Decodable {
            var username: String?
            var password: String?
        }
        guard let file = try? JSONDecoder().decode(File.self, from: data) else {
            throw .invalidCredentials(path: path, reason: #"it is not JSON of the form {"username": "...", "password": "..."}"#)
        }
        guard let username = file.username, !username.isEmpty, let password = file.password, !password.isEmpty else {
            throw .invalidCredentials(path: path, reason: #"it needs a non-empty "username" and "password""#)
        }
        guard !username.contains(":"), !(username + password).contains(where: \.isNewline) else {
            throw .invalidCredentials(path: path, reason: "the user name may not contain ':' and neither may hold a line break")
        }
        return RegistryCredentials(username: username, password: password)
    }

    /// `Basic BASE64(username:password)`.
    var basicAuthorization: String {
        "Basic " + Data("\(username):\(password)".utf8).base64EncodedString()
    }

    /// `user USERNAME` (the password stays out).
    public var description: String { "user \(username)" }
}
