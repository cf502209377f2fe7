internal import CGit2
import GantryCore

extension Quarantine {
    /// Why the received pack is not connected, or `nil` when it is: every object that a
    /// commit, tree or tag of the pack names must be in the pack or already in the
    /// repository (what git's `index-pack --strict` checks). An object already in the
    /// repository is connected by construction — every push before this one was checked, and
    /// a rejected push's objects never leave quarantine — so by induction everything a tip in
    /// the pack reaches is present. The cost is the size of the push, not of the history.
    ///
    /// The pack's own headers give each object's type, so blobs are never inflated; commits,
    /// trees and tags are read in pack order, each delta applied once to its kept base (libgit2
    /// resolves every delta from the bottom of its chain again, which on a long history costs
    /// more than the check itself).
    ///
    /// Trees of the pack may nest at most `treeDepth` levels (git's `core.maxTreeDepth`):
    /// every later walk of the tree (export, checkout, clone) recurses that deep.
    func linkProblem(packName: String, treeDepth: Int) -> String? {
        let packPath = objectsDirectory + "/pack/pack-" + packName
        do throws(ReceiveError) {
            let index = try PackIndex(path: packPath + ".idx")
            let pack = try MappedFile(path: packPath + ".pack")
            let entries = try PackEntries(pack: pack, index: index)
            let linking: Set<UInt8> = [PackEntries.commit, PackEntries.tree, PackEntries.tag]
            let reader = try PackObjectReader(pack: pack, entries: entries, types: linking)
            var repositoryODB: OpaquePointer?
            guard git_odb_open(&repositoryODB, repository.path + "objects") == 0 else { return "cannot open the object database" }
            defer { git_odb_free(repositoryODB) }

            var present = Set<ObjectKey>()  // named objects found in the repository
            var subtrees: [Int: [Int]] = [:]  // each tree of the pack: its subtrees in the pack
            var link = git_oid()
            for position in entries.positionsInPackOrder where linking.contains(entries.entries[position].type) {
                let type = entries.entries[position].type
                if type == PackEntries.tree { subtrees[position] = [] }
                let outcome = try reader.content(at: position).withUnsafeBytes { content in
                    ObjectLinks.forEach(ofType: type, in: content) { id, isSubtree in
                        if let found = index.position(of: id) {
                            if isSubtree { subtrees[position, default: []].append(found) }
                            return true
                        }
                        let key = ObjectKey(id)
                        if present.contains(key) { return true }
                        git_oid_fromraw(&link, id.assumingMemoryBound(to: UInt8.self))
                        guard git_odb_exists(repositoryODB, &link) == 1 else { return false }
                        present.insert(key)
                        return true
                    }
                }
                switch outcome {
                case .complete: continue
                case .stopped: return "missing necessary objects"
                case .malformed: return "malformed object \(ObjectID(raw: index.id(at: position).baseAddress!).hex)"
                }
            }
            if let deep = Self.treeDeeperThan(treeDepth, subtrees) {
                return "tree \(ObjectID(raw: index.id(at: deep).baseAddress!).hex) nests more than \(treeDepth) levels deep (git's core.maxTreeDepth)"
            }
            return nil
        } catch {
            return error.description
        }
    }
}

extension Quarantine {
    /// A tree of `subtrees` (each tree's subtrees in the pack; a subtree in the repository
    /// counts as one level) that nests more than `limit` levels deep, or `nil`. Iterative: a
    /// hostile pack's nesting does not reach the stack.
    static func treeDeeperThan(_ limit: Int, _ subtrees: [Int: [Int]]) -> Int? {
        var depth: [Int: Int] = [:]
        for root in subtrees.keys where depth[root] == nil {
            var stack = [(tree: root, next: 0)]
            while let (tree, next) = stack.last {
                let children = subtrees[tree] ?? []
                if next < children.count {
                    stack[stack.count - 1].next += 1
                    if depth[children[next]] == nil, subtrees[children[next]] != nil { stack.append((children[next], 0)) }
                    continue
                }
                stack.removeLast()
                let levels = 1 + (children.map { depth[$0] ?? 1 }.max() ?? 0)
                if levels > limit { return tree }
                depth[tree] = levels
            }
        }
        return nil
    }
}

/// A git object id as a hashable value, without going through hex.
struct ObjectKey: Hashable {
    let high: UInt64, middle: UInt64, low: UInt32

    init(_ id: UnsafeRawPointer) {
        high = id.loadUnaligned(as: UInt64.self)
        middle = id.loadUnaligned(fromByteOffset: 8, as: UInt64.self)
        low = id.loadUnaligned(fromByteOffset: 16, as: UInt32.self)
    }
}
