import Foundation
import GantryRuntime
import Testing

@Suite struct CgroupMovesTests {
    @Test func everyCgroup2HierarchyOfTheHostEndsWithFavordynmodsAndASecondCallHasNothingToDo() async throws {
        _ = await CgroupMoves.favor()
        let hierarchies = try String(contentsOfFile: "/proc/self/mounts", encoding: .utf8).split(separator: "\n")
            .filter { $0.split(separator: " ").count > 3 && $0.split(separator: " ")[2] == "cgroup2" }
        #expect(!hierarchies.isEmpty, "this host mounts no cgroup2 hierarchy")
        for line in hierarchies {
            #expect(line.split(separator: " ")[3].split(separator: ",").contains("favordynmods"), "\(line)")
        }
        #expect(await CgroupMoves.favor().isEmpty)
    }

    @Test func aHierarchyThatCannotBeRemountedIsNamedWithMountsReason() async throws {
        let table = FileManager.default.temporaryDirectory.appendingPathComponent("mounts-\(UUID().uuidString)").path
        defer { try? FileManager.default.removeItem(atPath: table) }
        try Data("proc /proc proc rw 0 0\ncgroup2 /nonexistent/cgroup cgroup2 rw,nosuid 0 0\n".utf8).write(to: URL(fileURLWithPath: table))
        let said = await CgroupMoves.favor(mounts: table)
        #expect(said.count == 1)
        #expect(said.first?.contains("favordynmods on /nonexistent/cgroup refused: mount: ") == true, "\(said)")
    }
}
