import Testing

@testable import FlywheelConnectors

struct ReplayOptionsTests {
    @Test(arguments: [(1, 1), (2, 1), (3, 2), (4, 3), (8, 7)])
    func defaultParallelismLeavesTheReaderACore(cores: Int, shards: Int) {
        #expect(ReplayOptions.defaultParallelism(cores: cores) == shards)
    }
}
