import Foundation
import Glibc

/// Files only gantryd may read (the admin token, the SSH host key): created with mode 0600 by
/// `open(2)` itself, never widened then narrowed, whatever the process's umask.
package enum SecretFile {
    /// Writes `text` to a new file at `path`, mode 0600; fails when something is there.
    /// A partial file is removed.
    /// - Returns: whether the whole text was written.
    package static func create(at path: String, contents text: String) -> Bool {
        let fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0o600)
        guard fd >= 0 else { return false }
        let bytes = Array(text.utf8)
        var offset = 0
        while offset < bytes.count {
            let written = bytes[offset...].withUnsafeBytes { write(fd, $0.baseAddress, $0.count) }
            if written < 0 && errno == EINTR { continue }
            guard written > 0 else { break }
            offset += written
        }
        let complete = offset == bytes.count && fsync(fd) == 0
        close(fd)
        if !complete { unlink(path) }
        return complete
    }

    /// Writes `text` to `path` whole or not at all: into `PATH.new` (mode 0600 from the
    /// start), then renamed into place.
    /// - Returns: whether it is there.
    package static func replace(at path: String, contents text: String) -> Bool {
        let temporary = path + ".new"
        try? FileManager.default.removeItem(atPath: temporary)
        return create(at: temporary, contents: text) && rename(temporary, path) == 0
    }

    /// The mode of the file at `path` when other users may read or write it; nil when only its
    /// owner may (or it cannot be read at all, which reading it then says).
    package static func widerMode(at path: String) -> Int? {
        let attributes = try? FileManager.default.attributesOfItem(atPath: path)
        guard let mode = (attributes?[.posixPermissions] as? NSNumber)?.intValue, mode & 0o077 != 0 else { return nil }
        return mode
    }
}
