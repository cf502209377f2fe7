import GantryCore
@testable import GantryGit
import GantryTesting
import Glibc
import Testing

/// A webhook's fetch is bounded in time even when its peer accepts the connection and then
/// never says a word (libgit2 1.5 has no socket timeout).
@Suite struct FetchTimeoutTests {
    @Test func aCloneURLThatNeverAnswersIsGivenUpAtTheTimeout() async throws {
        let fixture = try await PushFixture()
        let (listener, port) = try Socket.bindLoopback()
        defer { close(listener) }
        try #require(listen(listener, 16) == 0)  // the kernel completes the handshake; nobody answers
        let url = try CloneURL("git://127.0.0.1:\(port)/alice/site.git")
        let bare = fixture.bare
        let started = ContinuousClock.now

        let failure = try await blocking { () -> String? in
            do {
                try Repository.open(at: bare).fetch(
                    from: url, refspec: "+refs/heads/main:refs/gantry/webhook/test", limits: FetchLimits(maxBytes: 1 << 20, timeout: .seconds(1)))
                return nil
            } catch {
                return "\(error)"
            }
        }

        #expect(failure == "git_remote_fetch: the fetch took longer than 1 s, the limit")
        #expect(ContinuousClock.now - started < .seconds(30), "given up long after its 1 s")
    }

    @Test func aFetchThatEndsInTimeIsNeverInterrupted() async throws {
        let fixture = try await PushFixture()
        let tip = try await fixture.commit("a.txt", "one")
        _ = await fixture.receive([RefCommand(name: "refs/heads/main", old: .zero, new: tip)], pack: try await fixture.pack(tip))
        let source = try CloneURL("file://" + fixture.bare)
        let target = try await PushFixture()
        let bare = target.bare

        let fetched = try await blocking { () -> Bool in
            let repository = try Repository.open(at: bare)
            try repository.fetch(from: source, refspec: "+refs/heads/main:refs/gantry/webhook/test", limits: FetchLimits(maxBytes: 1 << 20, timeout: .seconds(1)))
            // Past the deadline the watchdog has nothing left to interrupt: this thread sleeps undisturbed.
            var duration = timespec(tv_sec: 1, tv_nsec: 500_000_000)
            var remaining = timespec()
            return nanosleep(&duration, &remaining) == 0
        }
        #expect(fetched, "a signal reached the thread after its fetch returned")
    }
}
