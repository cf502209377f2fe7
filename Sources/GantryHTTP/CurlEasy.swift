import CCurl
import Synchronization

/// libcurl's process-wide state, initialised once on first use (`curl_global_init`).
enum CurlGlobal {
    /// The result of the one `curl_global_init(CURL_GLOBAL_DEFAULT)` call.
    static let initialization: UInt32 = gantry_curl_global_init_default().rawValue
}

/// Set from any thread when the waiting task is cancelled; read by the progress callback.
final class CancellationFlag: Sendable {
    private let flag = Atomic<Bool>(false)
    func cancel() { flag.store(true, ordering: .relaxed) }
    var isCancelled: Bool { flag.load(ordering: .relaxed) }
}

/// The sole owner of one `CURL*` handle and its error buffer; used on one thread only.
final class EasyHandle {
    let raw: UnsafeMutableRawPointer
    private let errorBuffer: UnsafeMutablePointer<CChar>

    /// - Throws: the failure message when libcurl cannot set up.
    init() throws(CurlSetupError) {
        guard CurlGlobal.initialization == CURLE_OK.rawValue else {
            throw CurlSetupError(message: "curl_global_init failed (code \(CurlGlobal.initialization))")
        }
        guard let raw = curl_easy_init() else { throw CurlSetupError(message: "curl_easy_init failed") }
        self.raw = raw
        errorBuffer = .allocate(capacity: Int(CURL_ERROR_SIZE))
        errorBuffer.initialize(repeating: 0, count: Int(CURL_ERROR_SIZE))
        _ = gantry_curl_setopt_pointer(raw, CURLOPT_ERRORBUFFER, errorBuffer)
    }

    deinit {
        curl_easy_cleanup(raw)
        errorBuffer.deallocate()
    }

    func set(_ option: CURLoption, _ value: Int, _ name: String) throws(CurlSetupError) {
        try check(gantry_curl_setopt_long(raw, option, value), name)
    }

    func set(_ option: CURLoption, _ value: String, _ name: String) throws(CurlSetupError) {
        // libcurl copies string options (except CURLOPT_POSTFIELDS, which is not used here).
        try check(value.withCString { gantry_curl_setopt_string(raw, option, $0) }, name)
    }

    func set(_ option: CURLoption, offset value: Int64, _ name: String) throws(CurlSetupError) {
        try check(gantry_curl_setopt_off_t(raw, option, curl_off_t(value)), name)
    }

    func set(_ option: CURLoption, pointer value: UnsafeMutableRawPointer?, _ name: String) throws(CurlSetupError) {
        try check(gantry_curl_setopt_pointer(raw, option, value), name)
    }

    func set(_ option: CURLoption, callback: gantry_curl_data_callback, _ name: String) throws(CurlSetupError) {
        try check(gantry_curl_setopt_callback(raw, option, callback), name)
    }

    func set(_ option: CURLoption, progress: gantry_curl_xferinfo_callback, _ name: String) throws(CurlSetupError) {
        try check(gantry_curl_setopt_xferinfo(raw, option, progress), name)
    }

    func info(_ info: CURLINFO) -> Int {
        var value = 0
        _ = gantry_curl_getinfo_long(raw, info, &value)
        return value
    }

    func info(offset info: CURLINFO) -> Int64 {
        var value: curl_off_t = 0
        _ = gantry_curl_getinfo_off_t(raw, info, &value)
        return Int64(value)
    }

    /// Runs the transfer; blocks the calling thread.
    func perform() -> CURLcode {
        errorBuffer[0] = 0
        return curl_easy_perform(raw)
    }

    /// libcurl's message for the last failure: the error buffer, else `curl_easy_strerror`.
    func message(for code: CURLcode) -> String {
        let detail = String(cString: errorBuffer)
        return detail.isEmpty ? String(cString: curl_easy_strerror(code)) : detail
    }

    private func check(_ code: CURLcode, _ name: String) throws(CurlSetupError) {
        guard code == CURLE_OK else {
            throw CurlSetupError(message: "\(name): \(String(cString: curl_easy_strerror(code)))")
        }
    }
}

/// libcurl refused a handle or an option.
struct CurlSetupError: Error {
    let message: String
}

/// A C string list (`curl_slist`) owned here and freed in `deinit`.
final class CurlStringList {
    private(set) var raw: UnsafeMutablePointer<curl_slist>?

    init(_ strings: [String]) {
        for string in strings {
            // On failure curl_slist_append returns NULL and leaves the list as it was.
            if let appended = string.withCString({ curl_slist_append(raw, $0) }) { raw = appended }
        }
    }

    deinit { curl_slist_free_all(raw) }
}
