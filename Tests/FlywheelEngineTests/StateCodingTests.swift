import Testing

@testable import FlywheelEngine

struct StateCodingTests {
    @Test(arguments: [Int128(0), 1, -1, Int128(Int64.max) * 3, Int128.min, Int128.max])
    func int128RoundTrips(value: Int128) throws {
        var writer = StateWriter()
        writer.write(value)
        writer.write(Int64(7))
        var reader = StateReader(writer.bytes)
        #expect(try reader.readInt128() == value)
        #expect(try reader.readInt64() == 7)
    }
}
