import Foundation
import GantryCore
@testable import GantryGit
import Testing

@Suite struct PackReadingTests {
    @Test func indexAndEntryTypesAgreeWithGitVerifyPack() async throws {
        let fixture = try await PushFixture()
        var text = ""
        for round in 0..<30 {  // one file growing commit by commit: blob and tree deltas
            text += "line \(round) of a file that changes a little each time\n"
            _ = try await fixture.commit("notes.txt", text)
        }
        let head = try await fixture.commit("other.txt", "x")
        let pack = try await fixture.pack(head)
        let packPath = fixture.scratch + "/test.pack"
        try Data(pack).write(to: URL(fileURLWithPath: packPath))
        try await git(["index-pack", packPath], in: fixture.work)

        let index = try PackIndex(path: fixture.scratch + "/test.idx")
        let mapped = try MappedFile(path: packPath)
        let entries = try PackEntries(pack: mapped, index: index)
        // verify-pack -v: "ID TYPE SIZE PACKED-SIZE OFFSET [DEPTH BASE]", TYPE resolved through deltas.
        let names: [String: UInt8] = ["commit": 1, "tree": 2, "blob": 3, "tag": 4]
        var expected: [String: (type: UInt8, offset: Int)] = [:]
        var deltas = 0
        for line in String(decoding: try await git(["verify-pack", "-v", fixture.scratch + "/test.idx"], in: fixture.work), as: UTF8.self).split(separator: "\n") {
            let fields = line.split(separator: " ", omittingEmptySubsequences: true)
            guard fields.count >= 5, fields[0].count == 40, let type = names[String(fields[1])], let offset = Int(fields[4]) else { continue }
            expected[String(fields[0])] = (type, offset)
            if fields.count == 7 { deltas += 1 }
        }
        #expect(deltas > 0, "the fixture should exercise delta chains")
        #expect(index.count == expected.count)
        for position in 0..<index.count {
            let id = index.id(at: position).map { String(format: "%02x", $0) }.joined()
            #expect(expected[id]?.type == entries.entries[position].type, "type of \(id)")
            #expect(expected[id]?.offset == index.offset(at: position), "offset of \(id)")
            #expect(index.position(of: index.id(at: position).baseAddress!) == position)
        }
        #expect(entries.positionsInPackOrder.map(index.offset(at:)) == expected.values.map(\.offset).sorted())

        // Every commit and tree reads back as git has it, delta chains included.
        let reader = try PackObjectReader(pack: mapped, entries: entries, types: [PackEntries.commit, PackEntries.tree])
        var read = 0
        for position in entries.positionsInPackOrder where entries.entries[position].type != PackEntries.blob {
            let type = entries.entries[position].type == PackEntries.commit ? "commit" : "tree"
            let expected = try await git(["cat-file", type, ObjectID(raw: index.id(at: position).baseAddress!).hex], in: fixture.work)
            #expect(try reader.content(at: position) == expected)
            read += 1
        }
        #expect(read == 62)
        var absent = [UInt8](repeating: 0xff, count: 20)
        #expect(index.position(of: &absent) == nil)
    }

    @Test func aDeltaCopiesAndInsertsAndRefusesWhatDoesNotFit() throws {
        let base = Array("hello, world".utf8)
        // source size 12, result size 9; copy 5 bytes from offset 0; insert "!!!!"
        let delta: [UInt8] = [12, 9, 0x80 | 0x10, 5, 4] + Array("!!!!".utf8)
        #expect(try PackObjectReader.apply(delta, to: base, at: 0) == Array("hello!!!!".utf8))
        #expect(throws: ReceiveError.self) { try PackObjectReader.apply(delta, to: Array("short".utf8), at: 0) }
        #expect(throws: ReceiveError.self) { try PackObjectReader.apply([12, 9, 0x80 | 0x01 | 0x10, 10, 5], to: base, at: 0) }
        #expect(throws: ReceiveError.self) { try PackObjectReader.apply([12, 1, 0], to: base, at: 0) }
    }

    @Test func commitLinksAreItsTreeAndParents() {
        let tree = String(repeating: "1", count: 40), first = String(repeating: "a", count: 40), second = String(repeating: "b", count: 40)
        let commit = "tree \(tree)\nparent \(first)\nparent \(second)\nauthor A <a@b> 1 +0000\ncommitter A <a@b> 1 +0000\n\nparent \(tree)\n"
        #expect(links(of: commit, type: PackEntries.commit) == (.complete, [tree, first, second]))
    }

    @Test func tagLinkIsItsObject() {
        let target = String(repeating: "c", count: 40)
        #expect(links(of: "object \(target)\ntype commit\ntag v1\n", type: PackEntries.tag) == (.complete, [target]))
    }

    @Test func treeLinksLeaveSubmodulesOut() {
        var tree: [UInt8] = []
        for (mode, name, byte) in [("100644", "a.txt", UInt8(0x11)), ("160000", "vendor", 0x22), ("40000", "src", 0x33)] {
            tree += Array("\(mode) \(name)".utf8) + [0] + [UInt8](repeating: byte, count: 20)
        }
        #expect(links(of: tree, type: PackEntries.tree) == (.complete, [String(repeating: "11", count: 20), String(repeating: "33", count: 20)]))
    }

    @Test func malformedObjectsAreReported() {
        #expect(links(of: "author A <a@b> 1 +0000\n\nno tree\n", type: PackEntries.commit).0 == .malformed)
        #expect(links(of: "parent \(String(repeating: "a", count: 40))\ntree \(String(repeating: "b", count: 40))\n\n", type: PackEntries.commit).0 == .malformed)
        #expect(links(of: "tree \(String(repeating: "g", count: 40))\n\n", type: PackEntries.commit).0 == .malformed)
        #expect(links(of: Array("100644 a.txt".utf8) + [0, 1, 2], type: PackEntries.tree).0 == .malformed)
        #expect(links(of: Array("10x644 a.txt".utf8) + [0] + [UInt8](repeating: 0, count: 20), type: PackEntries.tree).0 == .malformed)
    }

    @Test func aLinkTheCallerRefusesStopsTheWalk() {
        let commit = "tree \(String(repeating: "1", count: 40))\nparent \(String(repeating: "2", count: 40))\n\n"
        var seen = 0
        let outcome = Array(commit.utf8).withUnsafeBytes { content in
            ObjectLinks.forEach(ofType: PackEntries.commit, in: content) { _, _ in seen += 1; return false }
        }
        #expect(outcome == .stopped && seen == 1)
    }

    private func links(of text: String, type: UInt8) -> (ObjectLinks.Outcome, [String]) {
        links(of: Array(text.utf8), type: type)
    }

    private func links(of bytes: [UInt8], type: UInt8) -> (ObjectLinks.Outcome, [String]) {
        var found: [String] = []
        let outcome = bytes.withUnsafeBytes { content in
            ObjectLinks.forEach(ofType: type, in: content) { id, _ in
                found.append(UnsafeRawBufferPointer(start: id, count: 20).map { String(format: "%02x", $0) }.joined())
                return true
            }
        }
        return (outcome, found)
    }
}
