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
    func linkProblem(packName: String) -> String? {
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
            var link = git_oid()
            for position in entries.positionsInPackOrder where linking.contains(entries.entries[position].type) {
                let outcome = try reader.content(at: position).withUnsafeBytes { content in
                    ObjectLinks.forEach(ofType: entries.entries[position].type, in: content) { id in
                        if index.position(of: id) != nil { return true }
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
            return nil
        } catch {
            return error.description
        }
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
