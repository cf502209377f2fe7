import Foundation
import GantryCore

#if canImport(Glibc)
import Glibc
#endif

/// The host ends of an attached container's standard streams: three pipes, or a
/// pseudo-terminal whose slave is runc's standard input, output and error.
///
/// With a terminal, runc (in the foreground, `terminal: true`) makes the container's own
/// terminal, puts ours in raw mode and copies between the two; on SIGWINCH it gives the
/// container's terminal our size (`resize`). Without, the container's process inherits the
/// pipes. Our ends are non-blocking: the threads that move bytes wait in `poll`, so that a
/// writer can give up once the process ended (`InputPump`).
final class AttachedStreams: @unchecked Sendable {
    /// runc's standard input, output and error (all the terminal's slave with a terminal).
    let child: (input: Int32, output: Int32, error: Int32)
    /// Ours: where input is written, where output (and, without a terminal, error) is read.
    let input: Int32
    let output: Int32
    let error: Int32?
    /// The terminal's master, with a terminal.
    let master: Int32?
    private let lock = NSLock()
    private var childOpen = true
    /// Whether an `InputPump` owns `input` (and closes it).
    private var inputHandedOver = false

    /// - Throws: `RuntimeError` when the pipes or the terminal cannot be made.
    init(terminal: WindowSize?, container: String) throws(RuntimeError) {
        func failure(_ what: String) -> RuntimeError {
            RuntimeError(container: container, reason: "cannot make its \(what): \(String(cString: strerror(errno)))")
        }
        if let terminal {
            // posix_openpt, unlockpt and ptsname, which Swift's Glibc does not import, as Linux does them.
            let master = open("/dev/ptmx", O_RDWR | O_NOCTTY | O_CLOEXEC)
            guard master >= 0 else { throw failure("terminal") }
            var unlock: Int32 = 0
            var number: UInt32 = 0
            guard ioctl(master, Self.unlockTerminal, &unlock) == 0, ioctl(master, Self.terminalNumber, &number) == 0 else {
                close(master)
                throw failure("terminal")
            }
            let name = "/dev/pts/\(number)"
            let slave = open(name, O_RDWR | O_NOCTTY | O_CLOEXEC)
            guard slave >= 0 else {
                close(master)
                throw failure("terminal")
            }
            Self.resize(master, to: terminal)
            _ = fcntl(master, F_SETFL, fcntl(master, F_GETFL) | O_NONBLOCK)
            self.master = master
            child = (slave, slave, slave)
            input = dup(master)  // the input pump closes its own descriptor
            output = master
            error = nil
        } else {
            var fds: [[Int32]] = []
            for _ in 0..<3 {
                var pair: [Int32] = [-1, -1]
                guard pipe(&pair) == 0 else {
                    for pair in fds { pair.forEach { close($0) } }
                    throw failure("pipes")
                }
                // No child may inherit them but runc (Subprocess closes the others in its children).
                for fd in pair { _ = fcntl(fd, F_SETFD, FD_CLOEXEC) }
                fds.append(pair)
            }
            child = (fds[0][0], fds[1][1], fds[2][1])
            input = fds[0][1]
            output = fds[1][0]
            error = fds[2][0]
            master = nil
            for fd in [fds[0][1], fds[1][0], fds[2][0]] { _ = fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK) }
        }
    }

    /// Closes runc's ends once it has them: our reads end when runc and the container have
    /// closed theirs.
    func closeChildEnds() {
        lock.withLock {
            guard childOpen else { return }
            childOpen = false
            for fd in Set([child.input, child.output, child.error]) { close(fd) }
        }
    }

    /// `input`, from now on the pump's to close.
    func handOverInput() -> Int32 {
        lock.withLock { inputHandedOver = true }
        return input
    }

    deinit {
        closeChildEnds()
        if !inputHandedOver { close(input) }
        close(output)
        if let error { close(error) }
    }

    /// TIOCSPTLCK and TIOCGPTN (`_IOW('T', 0x31, int)`, `_IOR('T', 0x30, unsigned int)`):
    /// function-like macros, which Swift does not import.
    static let unlockTerminal = UInt(0x4004_5431)
    static let terminalNumber = UInt(0x8004_5430)

    /// Gives the terminal on `master` the size `size` (TIOCSWINSZ).
    static func resize(_ master: Int32, to size: WindowSize) {
        let size = size.clamped
        var window = winsize(ws_row: UInt16(size.rows), ws_col: UInt16(size.columns), ws_xpixel: 0, ws_ypixel: 0)
        _ = ioctl(master, UInt(TIOCSWINSZ), &window)
    }

    /// Reads `fd` until its end (or an error: EIO on a terminal's master once its slave is
    /// closed), sending each chunk to `output`. Blocks: call it on a thread of its own.
    static func pump(_ fd: Int32, _ output: ([UInt8]) -> Void) {
        var buffer = [UInt8](repeating: 0, count: RunResponse.maximumFrameSize / 2)
        while true {
            let count = buffer.withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) }
            if count > 0 {
                output(Array(buffer[0..<count]))
            } else if count < 0 && errno == EAGAIN {
                var poll = pollfd(fd: fd, events: Int16(POLLIN), revents: 0)
                _ = Glibc.poll(&poll, 1, -1)
            } else if count < 0 && errno == EINTR {
                continue
            } else {
                return
            }
        }
    }

    /// Runs `work` on a new thread (never the concurrency pool: it blocks), returning when it did.
    static func onThread(_ work: @escaping @Sendable () -> Void) async {
        await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
            Thread {
                work()
                continuation.resume()
            }.start()
        }
    }
}

/// Writes an attached container's input from a thread of its own, in order; closes its
/// descriptor at the end of input (the process reads EOF) or when stopped.
final class InputPump: @unchecked Sendable {
    private let condition = NSCondition()
    private var queue: [[UInt8]] = []
    private var queuedBytes = 0
    private var finished = false
    private var stopped = false
    private let fd: Int32

    /// Starts the thread writing to `fd`, which it owns from now on.
    init(fd: Int32) {
        self.fd = fd
        Thread { [self] in run() }.start()
    }

    func send(_ bytes: [UInt8]) {
        condition.withLock {
            guard !finished else { return }
            queue.append(bytes)
            queuedBytes += bytes.count
            condition.signal()
        }
    }

    /// The bytes sent and not written yet: a sender waits while there are more than `limit`.
    var backlog: Int { condition.withLock { queuedBytes } }

    /// What a sender lets queue up before it waits (the process reads slower than its client writes).
    static let limit = 1 << 20

    /// The input ended: what was sent is written, then the descriptor closed.
    func finish() {
        condition.withLock {
            finished = true
            condition.signal()
        }
    }

    /// The process ended: nothing more is written.
    func stop() {
        condition.withLock {
            stopped = true
            condition.signal()
        }
    }

    private func next() -> [UInt8]? {
        condition.withLock {
            while queue.isEmpty && !finished && !stopped { condition.wait() }
            guard !stopped, !queue.isEmpty else { return nil }
            queuedBytes -= queue[0].count
            return queue.removeFirst()
        }
    }

    private var isStopped: Bool { condition.withLock { stopped } }

    private func run() {
        defer { close(fd) }
        while let bytes = next() {
            var offset = 0
            while offset < bytes.count {
                let count = bytes[offset...].withUnsafeBytes { write(fd, $0.baseAddress, $0.count) }
                if count > 0 {
                    offset += count
                } else if count < 0 && (errno == EAGAIN || errno == EINTR) {
                    // Wait for room, looking up now and then whether the process ended.
                    guard !isStopped else { return }
                    var poll = pollfd(fd: fd, events: Int16(POLLOUT), revents: 0)
                    _ = Glibc.poll(&poll, 1, 200)
                } else {
                    return  // EPIPE: the process closed its input; EIO: the terminal is gone
                }
            }
        }
    }
}
