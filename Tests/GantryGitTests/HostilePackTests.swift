import Foundation
import GantryCore
@testable import GantryGit
import GantryTesting
import Testing

/// Packs made to exhaust the server: a delta that inflates to 10 GiB, a delta chain deeper
/// than git writes, trees nested 10,000 deep. Each is refused with a reason naming the bound,
/// quickly and in bounded memory, and the refs stay as they were.
@Suite struct HostilePackTests {
    /// A 64 KiB blob and a 160 KiB delta that copies it 160,000 times: 10 GiB if applied.
    @Test func aDeltaThatInflatesToTenGiBIsRefusedBeforeItIsApplied() async throws {
        let fixture = try await PushFixture()
        let tip = try await fixture.commit("a.txt", "one")
        let pack = CraftedPack.deltaBomb()

        let before = Socket.residentBytes()
        let started = ContinuousClock.now
        let (results, output) = await fixture.receive([RefCommand(name: "refs/heads/main", old: .zero, new: tip)], pack: try await pack.packed())
        let text = String(decoding: output, as: UTF8.self)
        #expect(results == [.rejected("unpacker error")])
        #expect(text.contains("is a delta whose result is 9.77 GiB, over the limit of 512.0 MiB per delta"), "\(text)")
        #expect(ContinuousClock.now - started < .seconds(60))  // applied, the delta would take minutes; a loaded machine is slow
        #expect(Socket.residentBytes() - before < 256 << 20)
        #expect(try fixture.serverRefs().isEmpty)
        #expect(try fixture.packFiles().isEmpty)
    }

    @Test func aDeltaChainDeeperThanGitWritesIsRefused() async throws {
        let fixture = try await PushFixture()
        let tip = try await fixture.commit("a.txt", "one")
        var pack = CraftedPack()
        pack.add(type: 3, Array("x".utf8))
        for depth in 1...4_100 {
            // Copy the whole base (offset 0, its length in one byte), then insert one byte.
            let baseSize = depth
            let delta = CraftedPack.deltaHeader(baseSize: baseSize, resultSize: baseSize + 1)
                + (baseSize < 256 ? [0x90, UInt8(baseSize)] : [0xb0, UInt8(baseSize & 0xff), UInt8(baseSize >> 8)]) + [1, 0x79]
            pack.addDelta(base: depth - 1, delta)
        }
        let (results, output) = await fixture.receive([RefCommand(name: "refs/heads/main", old: .zero, new: tip)], pack: try await pack.packed())
        #expect(results == [.rejected("unpacker error")])
        #expect(String(decoding: output, as: UTF8.self).contains("delta chain deeper than 4095"))
        #expect(try fixture.serverRefs().isEmpty)
    }

    @Test func treesNestedTenThousandLevelsDeepAreRefused() async throws {
        let fixture = try await PushFixture()
        let tip = try await Self.commitNested(10_000, in: fixture)
        let (results, output) = await fixture.receive(
            [RefCommand(name: "refs/heads/main", old: .zero, new: tip)], pack: try await fixture.pack(tip, quiet: true))
        guard case .rejected(let reason) = results.first else {
            Issue.record("accepted: \(String(decoding: output, as: UTF8.self))")
            return
        }
        #expect(reason.contains("nests more than 4096 levels deep"), "\(reason)")
        #expect(try fixture.serverRefs().isEmpty)
    }

    @Test func treesNestedWithinTheLimitAreAccepted() async throws {
        let fixture = try await PushFixture()
        let tip = try await Self.commitNested(100, in: fixture)
        let (results, _) = await fixture.receive([RefCommand(name: "refs/heads/main", old: .zero, new: tip)], pack: try await fixture.pack(tip))
        #expect(results == [.ok])
    }

    /// A commit of one file `levels` directories deep, made by git fast-import (which writes a
    /// nesting no work tree could hold).
    static func commitNested(_ levels: Int, in fixture: PushFixture) async throws -> ObjectID {
        let path = Array(repeating: "d", count: levels).joined(separator: "/") + "/f"
        let stream = "commit refs/heads/main\ncommitter T <t@example.com> 0 +0000\ndata 4\ndeep\nM 100644 inline \(path)\ndata 2\nx\n\n"
        try await git(["fast-import", "--quiet"], in: fixture.work, input: Array(stream.utf8))
        return try await ObjectID(String(decoding: git(["rev-parse", "main"], in: fixture.work), as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines))
    }
}
