internal import CGit2
import Foundation
import GantryCore
import Synchronization

extension Quarantine {
    /// Why the received pack is not connected, or `nil` when it is: every object that a
    /// commit, tree or tag of the pack names must be in the pack or already in the
    /// repository (what git's `index-pack --strict` checks). An object already in the
    /// repository is connected by construction — every push before this one was checked, and
    /// a rejected push's objects never leave quarantine — so by induction everything a tip in
    /// the pack reaches is present. The cost is the size of the push, not of the history.
    ///
    /// The pack's own headers give each object's type without inflating anything; only
    /// commits, trees and tags are read, in pack order (good for libgit2's delta base cache),
    /// split over the machine's cores, each part with object databases of its own.
    func linkProblem(packName: String) -> String? {
        let packPath = objectsDirectory + "/pack/pack-" + packName
        let index: PackIndex
        let types: PackObjectTypes
        do throws(ReceiveError) {
            index = try PackIndex(path: packPath + ".idx")
            types = try PackObjectTypes(pack: try MappedFile(path: packPath + ".pack"), index: index)
        } catch {
            return error.description
        }
        let linking = types.positionsInPackOrder.filter { types.types[$0] != PackObjectTypes.blob }
        let parts = linking.count < 4096 ? 1 : min(4, ProcessInfo.processInfo.activeProcessorCount)
        let check = PackLinkCheck(index: index, indexPath: packPath + ".idx", repositoryObjects: repository.path + "objects")
        let problems = Mutex<[String]>([])
        DispatchQueue.concurrentPerform(iterations: parts) { part in
            let range = linking.count * part / parts ..< linking.count * (part + 1) / parts
            if let problem = check.problem(in: linking[range], types: types.types) {
                problems.withLock { $0.append(problem) }
            }
        }
        return problems.withLock { $0.first }
    }
}

/// One part of `Quarantine.linkProblem`: reads commits, trees and tags from the pack alone
/// and looks up what they name in the pack's index, then in the repository.
private struct PackLinkCheck: Sendable {
    let index: PackIndex
    let indexPath: String
    let repositoryObjects: String

    func problem(in positions: ArraySlice<Int>, types: [UInt8]) -> String? {
        var packODB: OpaquePointer?
        var backend: UnsafeMutablePointer<git_odb_backend>?
        guard git_odb_new(&packODB) == 0 else { return "cannot open the received pack" }
        defer { git_odb_free(packODB) }
        guard git_odb_backend_one_pack(&backend, indexPath) == 0 else { return "cannot open the received pack" }
        guard git_odb_add_backend(packODB, backend, 1) == 0 else {
            backend?.pointee.free(backend)
            return "cannot open the received pack"
        }
        var repositoryODB: OpaquePointer?
        guard git_odb_open(&repositoryODB, repositoryObjects) == 0 else { return "cannot open the object database" }
        defer { git_odb_free(repositoryODB) }

        var present = Set<ObjectKey>()  // named objects found in the repository
        var oid = git_oid()
        for position in positions {
            withUnsafeMutableBytes(of: &oid.id) { $0.copyMemory(from: index.id(at: position)) }
            var object: OpaquePointer?
            guard git_odb_read(&object, packODB, &oid) == 0 else { return "cannot read object \(ObjectID(oid).hex)" }
            defer { git_odb_object_free(object) }
            let content = UnsafeRawBufferPointer(start: git_odb_object_data(object), count: git_odb_object_size(object))
            var link = git_oid()
            let outcome = ObjectLinks.forEach(ofType: types[position], in: content) { id in
                if index.position(of: id) != nil { return true }
                let key = ObjectKey(id)
                if present.contains(key) { return true }
                withUnsafeMutableBytes(of: &link.id) { $0.copyMemory(from: UnsafeRawBufferPointer(start: id, count: 20)) }
                guard git_odb_exists(repositoryODB, &link) == 1 else { return false }
                present.insert(key)
                return true
            }
            switch outcome {
            case .complete: continue
            case .stopped: return "missing necessary objects"
            case .malformed: return "malformed object \(ObjectID(oid).hex)"
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
