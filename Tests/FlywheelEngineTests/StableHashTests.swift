import Testing

@testable import FlywheelEngine

struct StableHashTests {
    // FNV-1a 64 over UTF-8 plus the murmur finaliser, computed independently of the engine.
    @Test(
        arguments: [
            ("", 17_058_014_651_485_797_458),
            ("a", 17_114_084_158_190_756_429),
            ("conv-1", 15_977_675_615_529_051_974),
            ("gpt-4o|A", 1_429_272_815_947_638_573),
            ("héllo", 2_130_119_146_388_394_474),
        ] as [(String, UInt64)])
    func hashHasFixedValues(key: String, hash: UInt64) {
        #expect(StableHash.hash(key) == hash)
    }

    @Test func shardIsTheHashModuloTheCount() {
        #expect(StableHash.shard(of: "conv-1", count: 8) == 6)
        #expect(StableHash.shard(of: "a", count: 8) == 5)
        #expect(StableHash.shard(of: "", count: 8) == 2)
    }

    @Test(arguments: [0, 1, -3])
    func singleOrNoShardIsShardZero(count: Int) {
        #expect(StableHash.shard(of: "conv-1", count: count) == 0)
        #expect(StableHash.shard(of: "a", count: count) == 0)
    }

    @Test(arguments: [2, 3, 4, 8, 16])
    func keysSpreadEvenlyAcrossShards(count: Int) {
        var perShard = Array(repeating: 0, count: count)
        let keys = 20_000
        for index in 0..<keys {
            let shard = StableHash.shard(of: "conv-\(index)", count: count)
            #expect((0..<count).contains(shard))
            perShard[shard] += 1
        }
        let fair = keys / count
        #expect(perShard.allSatisfy { abs($0 - fair) < fair / 10 }, "\(perShard)")
    }

    @Test func similarKeysDifferInLowBits() {
        let shards = Set((0..<64).map { StableHash.shard(of: "user-\($0)", count: 4) })
        #expect(shards == [0, 1, 2, 3])
    }

    @Test(
        arguments: [
            ("gpt-4o", "A", 6_057_148_827_341_797_700),
            ("A", "gpt-4o", 1_090_274_626_355_274_643),
            ("ab", "c", 754_109_125_870_766_201),
            ("a", "bc", 5_373_822_194_502_692_629),
        ] as [(String, String, UInt64)])
    func twoPartHashHasFixedValuesAndKeepsThePartsApart(first: String, second: String, hash: UInt64) {
        #expect(StableHash.hash(first, second) == hash)
    }
}
