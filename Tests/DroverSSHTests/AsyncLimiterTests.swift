@testable import DroverSSH
import Foundation
import Testing

@Suite struct AsyncLimiterTests {
    @Test(arguments: [1, 3, 16])
    func neverLetsMoreThanTheLimitIn(limit: Int) async {
        let limiter = AsyncLimiter(limit: limit)
        let gauge = Gauge()
        await withTaskGroup(of: Void.self) { group in
            for _ in 0..<200 {
                group.addTask {
                    await limiter.withPermit {
                        gauge.enter()
                        await Task.yield()
                        gauge.leave()
                    }
                }
            }
        }
        #expect(gauge.peak <= limit)
        #expect(gauge.peak >= 1)
        #expect(gauge.finished == 200)
    }
}

private final class Gauge: @unchecked Sendable {
    private let lock = NSLock()
    private var current = 0
    private(set) var peak = 0
    private(set) var finished = 0
    func enter() { lock.withLock { current += 1; peak = max(peak, current) } }
    func leave() { lock.withLock { current -= 1; finished += 1 } }
}
