// gantry-logger DIR [MAX_BYTES [KEEP]]: the one log writer of a gantryd's app processes.
//
// Each app process writes its stdout and stderr into a FIFO, DIR/ID.fifo, beside a symbolic
// link DIR/ID.log to the log file its lines go to. gantry-logger reads every FIFO of DIR and
// appends each line to its log file behind a UTC timestamp with microseconds
// (`2026-11-25T19:00:00.123456Z line`), rotating a file to FILE.1 … FILE.KEEP when it reaches
// MAX_BYTES (default 10 MiB, 3 files kept). gantryd sends SIGHUP when a FIFO came or went.
//
// It runs in a session of its own and outlives gantryd, as the containers do; gantryd starts
// it again when it died (DIR/logger.pid says whether one runs). Nothing written while it is
// away is lost: each FIFO is held open for writing by its container (and by gantry-logger), so a
// process's writes wait in the pipe — a line saying so marks the gap once it is back. One
// process for every app process of the host: it depends on nothing but the C library.
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
        Glibc.open(path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0o640)
    }

    /// Writes `line` behind a timestamp; rotates once the file reaches its size.
    mutating func append(_ line: ArraySlice<UInt8>) {
        if fd < 0 { fd = Self.open(path) }  // its directory may have come back
        guard fd >= 0 else { return }
        writeAll(timestamp() + line + [UInt8(ascii: "\n")])
        var info = stat()
        guard fstat(fd, &info) == 0, Int(info.st_size) >= maximumBytes else { return }
        Glibc.close(fd)
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

    func close() { if fd >= 0 { Glibc.close(fd) } }
}

/// One app process's FIFO: what it wrote, line by line, into its log file.
struct Source {
    let fd: Int32
    /// The FIFO's inode: a FIFO removed and made again under the same name is another source.
    let inode: ino_t
    var log: LogFile
    var line: [UInt8] = []

    /// Longer lines are cut into pieces of this many bytes, each timestamped.
    static let maximumLine = 16 << 10

    /// Reads what is waiting, up to `rounds` buffers (one process that writes without pause
    /// must not keep the others waiting); the FIFO never ends: gantry-logger holds it open for
    /// writing too.
    mutating func drain(into buffer: inout [UInt8], rounds: Int = .max) {
        for _ in 0..<rounds {
            let count = buffer.withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) }
            if count < 0 && errno == EINTR { continue }
            guard count > 0 else { return }  // EAGAIN: all read for now
            for byte in buffer[0..<count] {
                if byte == UInt8(ascii: "\n") {
                    log.append(line[...])
                    line.removeAll(keepingCapacity: true)
                } else {
                    line.append(byte)
                    if line.count >= Self.maximumLine {
                        log.append(line[...])
                        line.removeAll(keepingCapacity: true)
                    }
                }
            }
        }
    }

    mutating func close() {
        if !line.isEmpty { log.append(line[...]) }
        log.close()
        Glibc.close(fd)
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

/// The write end of the self-pipe that turns SIGHUP and SIGTERM into input of the poll loop.
nonisolated(unsafe) var signalPipe: Int32 = -1

/// The logger of `directory`: its FIFOs, rescanned on SIGHUP.
struct Logger {
    let directory: String
    let maximumBytes: Int
    let keep: Int
    /// Whether the previous gantry-logger of this directory died: each log opened is told so.
    let resumed: Bool
    var sources: [String: Source] = [:]

    /// Opens the FIFOs that are new, closes (after reading what waits) those that are gone.
    mutating func rescan() {
        var present: [String: ino_t] = [:]
        if let stream = opendir(directory) {
            while let entry = readdir(stream) {
                let name = withUnsafeBytes(of: entry.pointee.d_name) { String(decoding: $0.prefix { $0 != 0 }, as: UTF8.self) }
                guard name.hasSuffix(".fifo"), !name.hasPrefix(".") else { continue }
                var info = stat()
                guard lstat(directory + "/" + name, &info) == 0, info.st_mode & S_IFMT == S_IFIFO else { continue }
                present[String(name.dropLast(5))] = info.st_ino
            }
            closedir(stream)
        }
        var buffer = [UInt8](repeating: 0, count: 64 << 10)
        for (id, source) in sources where present[id] != source.inode {
            var source = source
            source.drain(into: &buffer)
            source.close()
            sources[id] = nil
        }
        for (id, inode) in present where sources[id] == nil {
            let fd = open(directory + "/" + id + ".fifo", O_RDWR | O_NONBLOCK | O_CLOEXEC)
            var target = [CChar](repeating: 0, count: Int(PATH_MAX) + 1)
            let length = readlink(directory + "/" + id + ".log", &target, target.count - 1)
            guard fd >= 0, length > 0 else {
                if fd >= 0 { close(fd) }
                continue
            }
            let path = String(decoding: target.prefix(length).map { UInt8(bitPattern: $0) }, as: UTF8.self)
            var log = LogFile(path: path, maximumBytes: maximumBytes, keep: keep)
            if resumed { log.append(Array("[gantry] the log writer was restarted: lines written meanwhile follow, timestamped when read".utf8)[...]) }
            sources[id] = Source(fd: fd, inode: inode, log: log)
        }
    }

    /// DIR/logger.pid: this process, for gantryd, once it reads its FIFOs and hears signals.
    func writePIDFile() {
        let pidFile = directory + "/logger.pid"
        let fd = open(pidFile + ".tmp", O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o600)
        guard fd >= 0 else { fail("cannot write \(pidFile): \(String(cString: strerror(errno)))") }
        let text = Array("\(getpid())\n".utf8)
        _ = text.withUnsafeBytes { write(fd, $0.baseAddress, $0.count) }
        close(fd)
        guard rename(pidFile + ".tmp", pidFile) == 0 else { fail("cannot write \(pidFile): \(String(cString: strerror(errno)))") }
    }

    mutating func run() -> Never {
        var buffer = [UInt8](repeating: 0, count: 64 << 10)
        var signals = [UInt8](repeating: 0, count: 64)
        var pipeEnds: [Int32] = [-1, -1]
        guard pipe(&pipeEnds) == 0 else { fail("cannot create a pipe: \(String(cString: strerror(errno)))") }
        for end in pipeEnds {
            _ = fcntl(end, F_SETFD, FD_CLOEXEC)
            _ = fcntl(end, F_SETFL, O_NONBLOCK)
        }
        signalPipe = pipeEnds[1]
        let handler: @convention(c) (Int32) -> Void = { number in
            var byte = UInt8(truncatingIfNeeded: number)
            _ = write(signalPipe, &byte, 1)
        }
        signal(SIGHUP, handler)
        signal(SIGTERM, handler)
        rescan()
        writePIDFile()
        while true {
            let ids = Array(sources.keys)
            var descriptors = [pollfd(fd: pipeEnds[0], events: Int16(POLLIN), revents: 0)]
                + ids.map { pollfd(fd: sources[$0]!.fd, events: Int16(POLLIN), revents: 0) }
            guard poll(&descriptors, nfds_t(descriptors.count), -1) >= 0 || errno == EINTR else { fail("poll: \(String(cString: strerror(errno)))") }
            for (index, id) in ids.enumerated() where descriptors[index + 1].revents != 0 {
                sources[id]?.drain(into: &buffer, rounds: 16)
            }
            guard descriptors[0].revents != 0 else { continue }
            let count = read(pipeEnds[0], &signals, signals.count)
            if count > 0, signals[0..<count].contains(UInt8(SIGTERM)) {
                for id in sources.keys { sources[id]?.drain(into: &buffer); sources[id]?.close() }
                unlink(directory + "/logger.pid")
                exit(0)
            }
            rescan()
        }
    }
}

func main() {
    let arguments = CommandLine.arguments
    guard arguments.count >= 2, !arguments[1].isEmpty else { fail("usage: gantry-logger DIR [MAX_BYTES [KEEP]]", status: 2) }
    let directory = arguments[1]
    // gantryd may have blocked or ignored signals in the thread that started this process.
    var none = sigset_t()
    sigemptyset(&none)
    sigprocmask(SIG_SETMASK, &none, nil)
    signal(SIGINT, SIG_IGN)
    signal(SIGPIPE, SIG_IGN)
    // One logger per directory: a second one started meanwhile (two gantryd tasks asked at
    // once) leaves at once.
    let lock = open(directory + "/logger.lock", O_RDWR | O_CREAT | O_CLOEXEC, 0o600)
    guard lock >= 0 else { fail("cannot open \(directory)/logger.lock: \(String(cString: strerror(errno)))") }
    guard flock(lock, LOCK_EX | LOCK_NB) == 0 else { exit(0) }
    // DIR/logger.pid left behind: the last gantry-logger of DIR died.
    let resumed = access(directory + "/logger.pid", F_OK) == 0
    var logger = Logger(
        directory: directory,
        maximumBytes: arguments.count > 2 ? Int(arguments[2]) ?? 10 << 20 : 10 << 20,
        keep: max(1, arguments.count > 3 ? Int(arguments[3]) ?? 3 : 3), resumed: resumed)
    logger.run()
}

main()
