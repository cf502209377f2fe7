import Glibc
import Synchronization

/// Tells when processes gantryd did not start itself (containers' init processes, started by
/// runc) exit: one `pidfd` per process, all polled by one thread — the kernel wakes it when
/// one ends (or when a waiter comes or goes), and nothing runs while none does. Linux 5.3+.
final class ProcessExitWatcher: Sendable {
    static let shared = ProcessExitWatcher()

    private struct Waiters {
        var next: UInt64 = 1
        /// token → the pidfd and who waits for it.
        var waiting: [UInt64: (descriptor: Int32, continuation: CheckedContinuation<Void, Never>)] = [:]
    }

    private let waiters = Mutex(Waiters())
    /// The polling thread's wake-up pipe: a byte written to `wake.1` makes it poll the new set.
    private let wake: (Int32, Int32)
    private let isRunning = Atomic<Bool>(false)

    private init() {
        var ends: [Int32] = [-1, -1]
        guard pipe(&ends) == 0 else {
            wake = (-1, -1)
            return
        }
        wake = (ends[0], ends[1])
        for end in ends {
            _ = fcntl(end, F_SETFD, FD_CLOEXEC)
            _ = fcntl(end, F_SETFL, O_NONBLOCK)
        }
        var attributes = pthread_attr_t()
        pthread_attr_init(&attributes)
        pthread_attr_setstacksize(&attributes, 64 << 10)
        defer { pthread_attr_destroy(&attributes) }
        var handle = pthread_t()
        // The thread holds the (never released) watcher for the life of the process.
        guard pthread_create(&handle, &attributes, { argument in
            Unmanaged<ProcessExitWatcher>.fromOpaque(argument!).takeUnretainedValue().loop()
            return nil
        }, Unmanaged.passRetained(self).toOpaque()) == 0 else { return }
        pthread_detach(handle)
        isRunning.store(true, ordering: .releasing)
    }

    /// Returns once process `pid` has exited, or at once when it is gone already (or when
    /// `isSame` says `pid` is no longer the process meant: the pid was reused). Cancellation
    /// ends the wait.
    func waitForExit(of pid: Int32, isSame: () -> Bool) async {
        guard isRunning.load(ordering: .acquiring) else {
            // No polling thread (it could not start): look once a second instead.
            while !Task.isCancelled, isSame() { try? await Task.sleep(for: .seconds(1)) }
            return
        }
        let descriptor = pidfd_open(pid, 0)
        guard descriptor >= 0 else { return }  // ESRCH: gone already
        guard isSame() else {
            close(descriptor)
            return
        }
        let token = waiters.withLock { state in
            defer { state.next += 1 }
            return state.next
        }
        await withTaskCancellationHandler {
            await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
                waiters.withLock { $0.waiting[token] = (descriptor, continuation) }
                if Task.isCancelled { finish(token) } else { poke() }
            }
        } onCancel: {
            finish(token)
        }
    }

    /// Resumes the waiter of `token` and closes its pidfd.
    private func finish(_ token: UInt64) {
        guard let waiter = waiters.withLock({ $0.waiting.removeValue(forKey: token) }) else { return }
        poke()  // before the close: the thread must not poll a descriptor number reused meanwhile
        close(waiter.descriptor)
        waiter.continuation.resume()
    }

    private func poke() {
        var byte: UInt8 = 1
        _ = write(wake.1, &byte, 1)
    }

    private func loop() {
        var drain = [UInt8](repeating: 0, count: 256)
        while true {
            let watched = waiters.withLock { state in state.waiting.map { (token: $0.key, descriptor: $0.value.descriptor) } }
            var descriptors = [pollfd(fd: wake.0, events: Int16(POLLIN), revents: 0)]
                + watched.map { pollfd(fd: $0.descriptor, events: Int16(POLLIN), revents: 0) }
            guard poll(&descriptors, nfds_t(descriptors.count), -1) >= 0 || errno == EINTR else { return }
            if descriptors[0].revents != 0 { _ = read(wake.0, &drain, drain.count) }
            for (index, entry) in watched.enumerated() where descriptors[index + 1].revents != 0 { finish(entry.token) }
        }
    }
}

/// glibc's `pidfd_open` (2.36 and later), which its Swift module does not export.
@_silgen_name("pidfd_open") private func pidfd_open(_ pid: pid_t, _ flags: UInt32) -> Int32
