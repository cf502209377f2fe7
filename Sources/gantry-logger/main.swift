// gantry-logger FILE [MAX_BYTES [KEEP]]: writes each line of standard input to FILE behind a
// UTC timestamp with microseconds (`2026-11-25T19:00:00.123456Z line`), rotating FILE to
// FILE.1 … FILE.KEEP when it reaches MAX_BYTES (default 10 MiB, 3 files kept). Exits at the end
// of its input.
//
// gantryd starts one per app process, in a session of its own, between the container's
// stdout/stderr and the process's log file: it outlives a gantryd restart as the container
// does. It depends on nothing but the C library, to stay small (one per running process).
#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

/// One log file and its rotation.
struct LogFile {
    let path: String
    let maximumBytes: Int
    let keep: Int
    var fd: Int32 = -1

    init(path: String, maximumBytes: Int, keep: Int) {
        self.path = path
        self.maximumBytes = maximumBytes
        self.keep = keep
        fd = Self.open(path)
    }

    static func open(_ path: String) -> Int32 {
        let fd = Glibc.open(path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0o640)
        if fd < 0 { fail("cannot open \(path): \(String(cString: strerror(errno)))") }
        return fd
    }

    /// Writes `line` behind a timestamp; rotates once the file reaches its size.
    mutating func append(_ line: ArraySlice<UInt8>) {
        writeAll(timestamp() + line + [UInt8(ascii: "\n")])
        var info = stat()
        guard fstat(fd, &info) == 0, Int(info.st_size) >= maximumBytes else { return }
        close(fd)
        // FILE.KEEP-1 → FILE.KEEP, …, FILE → FILE.1.
        for index in stride(from: keep - 1, through: 1, by: -1) {
            _ = rename("\(path).\(index)", "\(path).\(index + 1)")
        }
        _ = rename(path, "\(path).1")
        fd = Self.open(path)
    }

    private func writeAll(_ bytes: [UInt8]) {
        var offset = 0
        while offset < bytes.count {
            let written = bytes[offset...].withUnsafeBytes { write(fd, $0.baseAddress, $0.count) }
            if written < 0 {
                if errno == EINTR { continue }
                return
            }
            offset += written
        }
    }
}

/// `2026-11-25T19:00:00.123456Z `.
func timestamp() -> [UInt8] {
    var now = timespec()
    clock_gettime(CLOCK_REALTIME, &now)
    var seconds = now.tv_sec
    var parts = tm()
    gmtime_r(&seconds, &parts)
    var text = [UInt8]()
    text.reserveCapacity(28)
    func digits(_ value: Int, _ count: Int, then separator: Character) {
        var divisor = 1
        for _ in 1..<count { divisor *= 10 }
        while divisor > 0 {
            text.append(UInt8(ascii: "0") + UInt8(value / divisor % 10))
            divisor /= 10
        }
        text.append(UInt8(ascii: separator.unicodeScalars.first!))
    }
    digits(Int(parts.tm_year) + 1900, 4, then: "-")
    digits(Int(parts.tm_mon) + 1, 2, then: "-")
    digits(Int(parts.tm_mday), 2, then: "T")
    digits(Int(parts.tm_hour), 2, then: ":")
    digits(Int(parts.tm_min), 2, then: ":")
    digits(Int(parts.tm_sec), 2, then: ".")
    digits(Int(now.tv_nsec) / 1000, 6, then: "Z")
    text.append(UInt8(ascii: " "))
    return text
}

func fail(_ message: String, status: Int32 = 1) -> Never {
    let text = Array("gantry-logger: \(message)\n".utf8)
    _ = text.withUnsafeBytes { write(2, $0.baseAddress, $0.count) }
    exit(status)
}

func main() {
    let arguments = CommandLine.arguments
    guard arguments.count >= 2, !arguments[1].isEmpty else { fail("usage: gantry-logger FILE [MAX_BYTES [KEEP]]", status: 2) }
    var log = LogFile(
        path: arguments[1],
        maximumBytes: arguments.count > 2 ? Int(arguments[2]) ?? 10 << 20 : 10 << 20,
        keep: max(1, arguments.count > 3 ? Int(arguments[3]) ?? 3 : 3))
    /// Longer lines are cut into pieces of this many bytes, each timestamped.
    let maximumLine = 16 << 10

    signal(SIGHUP, SIG_IGN)
    signal(SIGINT, SIG_IGN)
    signal(SIGPIPE, SIG_IGN)

    var line = [UInt8]()
    var buffer = [UInt8](repeating: 0, count: 64 << 10)
    while true {
        let count = buffer.withUnsafeMutableBytes { read(0, $0.baseAddress, $0.count) }
        if count < 0 && errno == EINTR { continue }
        if count <= 0 { break }
        for byte in buffer[0..<count] {
            if byte == UInt8(ascii: "\n") {
                log.append(line[...])
                line.removeAll(keepingCapacity: true)
            } else {
                line.append(byte)
                if line.count >= maximumLine {
                    log.append(line[...])
                    line.removeAll(keepingCapacity: true)
                }
            }
        }
    }
    if !line.isEmpty { log.append(line[...]) }
    close(log.fd)
}

main()
