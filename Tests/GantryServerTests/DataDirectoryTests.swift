import Foundation
import GantryCore
import GantryServer
import GantryStore
import GantryTesting
import Testing

@Suite struct DataDirectoryTests {
    @Test func firstStartWritesTheAdminTokenOnceWithMode0600() async throws {
        let root = FileManager.default.temporaryDirectory.appendingPathComponent("gantry-dd-\(UUID().uuidString)").path
        defer { try? FileManager.default.removeItem(atPath: root) }
        let directory = DataDirectory(root: root)
        try directory.prepare()
        let store = try await blocking { [path = directory.database] in try Store(path: path) }
        #expect(try await directory.createAdminTokenIfNeeded(in: store) == directory.adminToken)
        let attributes = try FileManager.default.attributesOfItem(atPath: directory.adminToken)
        #expect((attributes[.posixPermissions] as? Int) == 0o600)
        let token = try String(contentsOfFile: directory.adminToken, encoding: .utf8).trimmingCharacters(in: .newlines)
        guard case .valid(let found, let user) = try await store.authenticate(token: token) else {
            Issue.record("the admin token is refused")
            return
        }
        #expect(found.name == "admin" && user.name.rawValue == "admin" && user.role == .admin)
        #expect(try await directory.createAdminTokenIfNeeded(in: store) == nil)
    }

    @Test func prepareEmptiesScratchButKeepsRepositories() throws {
        let root = FileManager.default.temporaryDirectory.appendingPathComponent("gantry-dd-\(UUID().uuidString)").path
        defer { try? FileManager.default.removeItem(atPath: root) }
        let directory = DataDirectory(root: root)
        try directory.prepare()
        FileManager.default.createFile(atPath: directory.scratch + "/leftover", contents: Data())
        FileManager.default.createFile(atPath: directory.repositories + "/keep", contents: Data())
        try directory.prepare()
        #expect(!FileManager.default.fileExists(atPath: directory.scratch + "/leftover"))
        #expect(FileManager.default.fileExists(atPath: directory.repositories + "/keep"))
    }

    @Test func rootIsMade0700AndAWiderOneFromAnOlderGantrydNarrowed() throws {
        let parent = FileManager.default.temporaryDirectory.appendingPathComponent("gantry-dd-\(UUID().uuidString)").path
        defer { try? FileManager.default.removeItem(atPath: parent) }
        let fresh = DataDirectory(root: parent + "/fresh")
        try fresh.prepare()
        #expect(try mode(fresh.root) == 0o700)
        let older = DataDirectory(root: parent + "/older")
        try FileManager.default.createDirectory(atPath: older.root, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o755])
        try older.prepare()
        #expect(try mode(older.root) == 0o700)
    }

    func mode(_ path: String) throws -> Int {
        try #require(FileManager.default.attributesOfItem(atPath: path)[.posixPermissions] as? Int)
    }
}
