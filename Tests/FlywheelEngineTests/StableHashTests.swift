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

    // Values printed by the reference implementation (`printf %s KEY | xxhsum -H1`): the empty key, a
    // tail of bytes, of 4 bytes, of 8-byte words, and the 32-byte stripes of longer keys.
    @Test(
        arguments: [
            ("", 0xef46_db37_51d8_e999),
            ("a", 0xd24e_c4f1_a98c_6e5b),
            ("abc", 0x44bc_2cf5_ad77_0999),
            ("e7-1abc", 0xe53e_3a7c_570a_a363),
            ("123e4567-e89b-12d3-a456-426614174000", 0x8bcf_856b_700c_9f1f),
            ("0123456789abcdef0123456789abcdef0123456789abcdefXYZ", 0x2068_b5be_32b6_d8dc),
        ] as [(String, UInt64)])
    func xxh64MatchesTheReference(key: String, hash: UInt64) {
        #expect(StableHash.xxh64(key) == hash)
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
