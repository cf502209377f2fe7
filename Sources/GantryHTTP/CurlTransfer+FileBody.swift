import CCurl
import Glibc

/// A request body read from a file as libcurl sends it (`CURLOPT_UPLOAD` with a read
/// callback), so a body of any size never sits in memory: layers pushed to a registry are
/// hundreds of MB. Owns the file's descriptor; used on the transfer's thread only.
final class FileBody {
    private let fd: Int32
    /// The file's size when opened: the request's `Content-Length`.
    let size: Int64

    /// Opens `path` for reading.
    /// - Throws: `CurlSetupError` naming the file and the system's reason.
    init(path: String) throws(CurlSetupError) {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { throw CurlSetupError(message: "cannot open the body file \(path): \(String(cString: strerror(errno)))") }
        var info = stat()
        guard fstat(fd, &info) == 0, (info.st_mode & S_IFMT) == S_IFREG else {
            close(fd)
            throw CurlSetupError(message: "the body file \(path) is not a regular file")
        }
        self.fd = fd
        size = Int64(info.st_size)
    }

    deinit { close(fd) }

    /// Makes `handle` send this file as the body, with its size as `Content-Length`; the
    /// request's method stays the one set before (`CURLOPT_CUSTOMREQUEST`).
    func configure(_ handle: EasyHandle) throws(CurlSetupError) {
        try handle.set(CURLOPT_UPLOAD, 1, "CURLOPT_UPLOAD")
        try handle.set(CURLOPT_INFILESIZE_LARGE, offset: size, "CURLOPT_INFILESIZE_LARGE")
        try handle.set(CURLOPT_READFUNCTION, callback: readFileBody, "CURLOPT_READFUNCTION")
        try handle.set(CURLOPT_READDATA, pointer: Unmanaged.passUnretained(self).toOpaque(), "CURLOPT_READDATA")
    }

    /// Reads up to `capacity` bytes into `buffer`: the count, 0 at the end, or `nil` on an error.
    fileprivate func read(into buffer: UnsafeMutableRawPointer, capacity: Int) -> Int? {
        while true {
            let count = Glibc.read(fd, buffer, capacity)
            if count >= 0 { return count }
            if errno != EINTR { return nil }
        }
    }
}

private let readFileBody: gantry_curl_data_callback = { buffer, size, count, userdata in
    let body = Unmanaged<FileBody>.fromOpaque(userdata!).takeUnretainedValue()
    guard let buffer else { return 0 }
    // CURL_READFUNC_ABORT ends the transfer with CURLE_ABORTED_BY_CALLBACK.
    return body.read(into: buffer, capacity: size * count) ?? Int(CURL_READFUNC_ABORT)
}
