@testable import Ferry
import Testing

@Suite("import windows are sized from the objects they hold")
struct ImportWindowSizingTests {
    @Test("a window's buffers hold the largest object or grain, never less than 1 MiB")
    func bufferSizes() {
        #expect(ImportWindow.bufferSize(serving: []) == 1 << 20)
        #expect(ImportWindow.bufferSize(serving: [64 << 10]) == 1 << 20)
        for order in 20...25 {
            #expect(ImportWindow.bufferSize(serving: [4 << 20, 1 << UInt64(order)]) == max(4 << 20, 1 << order))
        }
        let window = ImportWindow.sized(serving: [8 << 20, 64 << 10], buffers: 3)
        #expect(window.bufferSize == 8 << 20 && window.buffers == 3)
    }

    @Test("a shared window serves objects that fit; larger ones get a window of the same byte budget and rate cap")
    func sharedOrOwn() {
        let shared = ImportWindow.sized(serving: [4 << 20], buffers: 18, maxBytesPerSecond: 100 << 20)
        #expect(ImportWindow.serving([1 << 20, 4 << 20], shared: shared, buffers: 18, maxBytesPerSecond: nil) === shared)

        let own = ImportWindow.serving([32 << 20], shared: shared, buffers: 18, maxBytesPerSecond: nil)
        #expect(own !== shared)
        #expect(own.bufferSize == 32 << 20)
        #expect(own.buffers == 2, "18 × 4 MiB is 72 MiB: two 32 MiB buffers")
        #expect(own.rateLimiter === shared.rateLimiter, "the host's bandwidth cap still holds")

        let unshared = ImportWindow.serving([8 << 20], shared: nil, buffers: 5, maxBytesPerSecond: nil)
        #expect(unshared.bufferSize == 8 << 20 && unshared.buffers == 5 && unshared.rateLimiter == nil)
    }
}
