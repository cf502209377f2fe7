import GantryCore
import GRDB
@testable import GantryStore
import Testing

extension StoreErrorTests {
    @Test
    func aWriteThatMetAFullDiskSaysSoInPlainWordsAndThatNothingWasWritten() {
        let error = StoreError(DatabaseError(resultCode: .SQLITE_FULL), operation: "record a build of 'hello'", path: "/srv/gantry/gantry.sqlite")
        #expect(error.description == "cannot record a build of 'hello': " + NoSpace.message("/srv/gantry") + " (SQLite: database or disk is full; nothing was written)")
    }
}
