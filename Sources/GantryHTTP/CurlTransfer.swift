import CCurl
import Foundation

/// What libcurl's callbacks fill in during one transfer; touched only by the transfer's thread.
final class TransferState {
    var body: [UInt8] = []
    var headers = HTTPHeaders()
    var exceededLimit = false
    /// The status of the response being received (0 until its status line).
    var status = 0
    let limit: Int
    let cancellation: CancellationFlag
    /// Takes the body of a 2xx response as it arrives, instead of `body`.
    let sink: (@Sendable ([UInt8]) -> Void)?

    init(limit: Int, cancellation: CancellationFlag, sink: (@Sendable ([UInt8]) -> Void)? = nil) {
        self.limit = limit
        self.cancellation = cancellation
        self.sink = sink
    }

    static func from(_ userdata: UnsafeMutableRawPointer?) -> TransferState {
        Unmanaged<TransferState>.fromOpaque(userdata!).takeUnretainedValue()
    }
}

/// One blocking request/response exchange through a fresh easy handle.
enum CurlTransfer {
    /// Runs `request` on the calling thread, which must not belong to Swift's cooperative pool.
    static func perform(
        _ request: HTTPRequest, configuration: HTTPClient.Configuration, cancellation: CancellationFlag,
        sink: (@Sendable ([UInt8]) -> Void)? = nil, bodyFile: String? = nil
    ) -> Result<HTTPResponse, HTTPClientError> {
        let url = request.url
        if cancellation.isCancelled { return .failure(.cancelled(url: url)) }
        let fileBody: FileBody?
        do { fileBody = try bodyFile.map { path throws(CurlSetupError) in try FileBody(path: path) } } catch {
            return .failure(.invalidRequest(url: url, detail: error.message))
        }
        let state = TransferState(limit: configuration.maximumResponseSize, cancellation: cancellation, sink: sink)
        let headerList = CurlStringList(headerLines(for: request))
        let handle: EasyHandle
        do {
            handle = try EasyHandle()
            try configure(handle, request, configuration, headerList, state)
            if let fileBody { try fileBody.configure(handle) }
        } catch {
            return .failure(.invalidRequest(url: url, detail: error.message))
        }
        let code = withExtendedLifetime((state, headerList, fileBody)) { handle.perform() }
        guard code == CURLE_OK else {
            return .failure(failure(code, handle: handle, state: state, url: url))
        }
        let status = handle.info(CURLINFO_RESPONSE_CODE)
        return .success(HTTPResponse(status: status, headers: state.headers, body: state.body))
    }

    private static func configure(
        _ handle: EasyHandle, _ request: HTTPRequest, _ configuration: HTTPClient.Configuration,
        _ headerList: CurlStringList, _ state: TransferState
    ) throws(CurlSetupError) {
        try handle.set(CURLOPT_URL, request.url, "CURLOPT_URL")
        try handle.set(CURLOPT_PROTOCOLS_STR, "http,https", "CURLOPT_PROTOCOLS_STR")
        try handle.set(CURLOPT_NOSIGNAL, 1, "CURLOPT_NOSIGNAL")
        try handle.set(CURLOPT_CONNECTTIMEOUT_MS, milliseconds(configuration.connectTimeout), "CURLOPT_CONNECTTIMEOUT_MS")
        try handle.set(CURLOPT_TIMEOUT_MS, milliseconds(request.timeout ?? configuration.timeout), "CURLOPT_TIMEOUT_MS")
        try handle.set(CURLOPT_USERAGENT, configuration.userAgent, "CURLOPT_USERAGENT")
        try handle.set(CURLOPT_NOPROXY, configuration.usesProxy ? noProxy : "*", "CURLOPT_NOPROXY")
        if let caBundlePath = configuration.caBundlePath {
            try handle.set(CURLOPT_CAINFO, caBundlePath, "CURLOPT_CAINFO")
        }
        if let unixSocketPath = configuration.unixSocketPath {
            try handle.set(CURLOPT_UNIX_SOCKET_PATH, unixSocketPath, "CURLOPT_UNIX_SOCKET_PATH")
        }
        try handle.set(CURLOPT_HTTPHEADER, pointer: UnsafeMutableRawPointer(headerList.raw), "CURLOPT_HTTPHEADER")

        let userdata = Unmanaged.passUnretained(state).toOpaque()
        try handle.set(CURLOPT_WRITEFUNCTION, callback: writeBody, "CURLOPT_WRITEFUNCTION")
        try handle.set(CURLOPT_WRITEDATA, pointer: userdata, "CURLOPT_WRITEDATA")
        try handle.set(CURLOPT_HEADERFUNCTION, callback: receiveHeader, "CURLOPT_HEADERFUNCTION")
        try handle.set(CURLOPT_HEADERDATA, pointer: userdata, "CURLOPT_HEADERDATA")
        try handle.set(CURLOPT_NOPROGRESS, 0, "CURLOPT_NOPROGRESS")
        try handle.set(CURLOPT_XFERINFOFUNCTION, progress: checkCancellation, "CURLOPT_XFERINFOFUNCTION")
        try handle.set(CURLOPT_XFERINFODATA, pointer: userdata, "CURLOPT_XFERINFODATA")

        switch request.method {
        case .head:
            try handle.set(CURLOPT_NOBODY, 1, "CURLOPT_NOBODY")
        case .get where request.body.isEmpty:
            try handle.set(CURLOPT_HTTPGET, 1, "CURLOPT_HTTPGET")
        default:
            if sendsBody(request) {
                try handle.set(CURLOPT_POSTFIELDSIZE_LARGE, offset: Int64(request.body.count), "CURLOPT_POSTFIELDSIZE_LARGE")
                // COPYPOSTFIELDS copies the bytes, so nothing has to outlive this call.
                let code = request.body.withUnsafeBytes { bytes in
                    "".withCString { empty in
                        gantry_curl_setopt_pointer(
                            handle.raw, CURLOPT_COPYPOSTFIELDS, UnsafeMutableRawPointer(mutating: bytes.baseAddress ?? UnsafeRawPointer(empty)))
                    }
                }
                guard code == CURLE_OK else { throw CurlSetupError(message: "CURLOPT_COPYPOSTFIELDS: code \(code.rawValue)") }
            }
            try handle.set(CURLOPT_CUSTOMREQUEST, request.method.rawValue, "CURLOPT_CUSTOMREQUEST")
        }
    }

    private static func sendsBody(_ request: HTTPRequest) -> Bool {
        [.post, .put, .patch].contains(request.method) || !request.body.isEmpty
    }

    /// `Name: value` lines; `Name;` sends an empty value (`Name:` would delete the header).
    /// libcurl's own `Expect: 100-continue` and form Content-Type are switched off unless given.
    static func headerLines(for request: HTTPRequest) -> [String] {
        var lines = request.headers.map { $0.value.isEmpty ? "\($0.name);" : "\($0.name): \($0.value)" }
        if request.headers["Expect"] == nil { lines.append("Expect:") }
        if sendsBody(request), request.headers["Content-Type"] == nil { lines.append("Content-Type:") }
        return lines
    }

    private static func failure(
        _ code: CURLcode, handle: EasyHandle, state: TransferState, url: String
    ) -> HTTPClientError {
        let detail = handle.message(for: code)
        switch code {
        case CURLE_COULDNT_CONNECT, CURLE_COULDNT_RESOLVE_HOST, CURLE_COULDNT_RESOLVE_PROXY:
            return .cannotConnect(url: url, detail: detail)
        case CURLE_OPERATION_TIMEDOUT:
            let connected = handle.info(offset: CURLINFO_CONNECT_TIME_T) > 0
            return connected ? .timedOut(url: url, detail: detail) : .cannotConnect(url: url, detail: detail)
        case CURLE_URL_MALFORMAT, CURLE_UNSUPPORTED_PROTOCOL:
            return .invalidRequest(url: url, detail: detail)
        case CURLE_ABORTED_BY_CALLBACK:
            return .cancelled(url: url)
        case CURLE_WRITE_ERROR where state.exceededLimit:
            return .responseTooLarge(url: url, limit: state.limit)
        default:
            return .transferFailed(url: url, code: Int(code.rawValue), detail: detail)
        }
    }

    private static func milliseconds(_ duration: Duration) -> Int {
        let (seconds, attoseconds) = duration.components
        return max(1, Int(seconds) * 1000 + Int(attoseconds / 1_000_000_000_000_000))
    }

    /// The environment's `no_proxy` plus the loopback names: a proxy never reaches this host's
    /// own servers (gantryd, health checks of local containers).
    private static let noProxy: String = {
        let environment = ProcessInfo.processInfo.environment
        let configured = environment["no_proxy"] ?? environment["NO_PROXY"] ?? ""
        if configured.trimmingCharacters(in: .whitespaces) == "*" { return "*" }
        return (configured.split(separator: ",").map(String.init) + ["localhost", "127.0.0.1", "::1"])
            .joined(separator: ",")
    }()
}

private let writeBody: gantry_curl_data_callback = { data, size, count, userdata in
    let state = TransferState.from(userdata)
    let length = size * count
    guard let data, length > 0 else { return length }
    if let sink = state.sink, (200..<300).contains(state.status) {
        sink(Array(UnsafeRawBufferPointer(start: data, count: length)))
        return length
    }
    if state.body.count + length > state.limit {
        state.exceededLimit = true
        return 0  // anything but `length` makes libcurl stop with CURLE_WRITE_ERROR
    }
    state.body.append(contentsOf: UnsafeRawBufferPointer(start: data, count: length))
    return length
}

private let receiveHeader: gantry_curl_data_callback = { data, size, count, userdata in
    let state = TransferState.from(userdata)
    let length = size * count
    guard let data else { return length }
    let line = String(decoding: UnsafeRawBufferPointer(start: data, count: length), as: UTF8.self)
    if line.hasPrefix("HTTP/") {
        state.headers = HTTPHeaders()  // a new response begins (after `100 Continue`, say)
        state.status = line.split(separator: " ").dropFirst().first.flatMap { Int($0) } ?? 0
    } else if let colon = line.firstIndex(of: ":") {
        let name = line[..<colon].trimmingCharacters(in: .whitespaces)
        let value = line[line.index(after: colon)...].trimmingCharacters(in: .whitespacesAndNewlines)
        if !name.isEmpty { state.headers.add(name: name, value: value) }
    }
    return length
}

private let checkCancellation: gantry_curl_xferinfo_callback = { userdata, _, _, _, _ in
    TransferState.from(userdata).cancellation.isCancelled ? 1 : 0
}
