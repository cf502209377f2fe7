import Dispatch
import GantryCore

/// Runs blocking file-system work on a Dispatch thread in the background (`Background`),
/// leaving Swift's cooperative pool free while a large layer is written or hashed.
func runBlocking<T: Sendable>(_ work: @escaping @Sendable () throws(ImageError) -> T) async throws(ImageError) -> T {
    let changeWork = Background.isChangeWork
    let result: Result<T, ImageError> = await withCheckedContinuation { continuation in
        DispatchQueue.global(qos: .utility).async {
            continuation.resume(returning: Result { () throws(ImageError) -> T in try Background.run(if: changeWork, work) })
        }
    }
    return try result.get()
}
