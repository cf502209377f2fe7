import GantryCore
import GantryStore
import Testing

@Suite("Store errors")
struct StoreErrorTests {
    @Test
    func messagesNameTheAppAndWhatToDo() {
        let hello = Fixture.app("hello")
        #expect(StoreError.appExists(hello).description.hasPrefix("app 'hello' already exists"))
        #expect(StoreError.appNotFound(hello).description == "no app named 'hello'; `gantry apps` lists them")
        #expect(StoreError.buildNotFound(hello, 42).description == "app 'hello' has no build 42")
        #expect(StoreError.database("disk full").description == "disk full")
    }
}
