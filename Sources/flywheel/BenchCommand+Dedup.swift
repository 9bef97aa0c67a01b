import ArgumentParser
import FlywheelEngine
import Foundation

#if canImport(Glibc)
    import Glibc
#endif

/// `flywheel bench dedup`: heap bytes and time per remembered event id.
struct BenchDedupCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "dedup",
        abstract: "Measure the memory and time the de-duplicator spends per remembered event id.",
        discussion: """
            Inserts N distinct ids shaped like UUIDs (36 bytes, each a new string as decoding makes it) \
            into the de-duplicator, and into the table of exact ids it kept before fingerprints (a \
            HashedTable of the id strings plus 64-bit hashes per bucket), each starting empty. Reports the \
            heap grown per id (jemalloc's stats.allocated when jemalloc is linked, else the resident \
            memory), the bytes each structure counts as allocated (its tables and lists, not the strings), and \
            the time to make each id and insert it (both hashes included), best of --rounds, next to the \
            time to make the ids alone.
              swift run -c release flywheel bench dedup --ids 2000000
            """)

    @Option(parsing: .unconditional, help: "Number of distinct ids to remember.")
    var ids: Int = 2_000_000

    @Option(parsing: .unconditional, help: "Timed rounds per structure; the fastest is reported.")
    var rounds: Int = 3

    func validate() throws {
        guard ids >= 1000 else { throw ValidationError("--ids must be at least 1000, got \(ids)") }
        guard rounds >= 1 else { throw ValidationError("--rounds must be at least 1, got \(rounds)") }
    }

    func run() throws {
        print("remembering \(ids) ids of 36 bytes, heap measured by \(HeapMeter.source)")
        var making = Double.infinity
        for _ in 0..<rounds {
            let start = ContinuousClock.now
            var sum = 0
            for index in 0..<ids { sum &+= Self.id(index).utf8.count }
            precondition(sum == 36 * ids)
            making = Swift.min(making, Self.seconds(start.duration(to: .now)))
        }
        print(String(format: "making the ids alone      %6.1f ns/id", making * 1e9 / Double(ids)))
        let fingerprints = measure("fingerprints (this build)") { count in
            var dedup = Deduplicator(ttlMs: 3_600_000)
            for index in 0..<count {
                _ = dedup.checkAndInsert(Self.id(index), at: Self.time(index), watermark: .min)
            }
            return (dedup.allocatedBytes, dedup)
        }
        let exact = measure("exact ids (before)") { count in
            var table = ExactIDTable()
            for index in 0..<count { table.insert(Self.id(index), at: Self.time(index)) }
            return (table.allocatedBytes, table)
        }
        print(String(format: "exact / fingerprints  %.1fx heap", exact / fingerprints))
    }

    /// Fills a structure with `ids` ids, keeping it alive across the heap readings; returns the heap per id.
    private func measure<T>(_ name: String, _ fill: (Int) -> (Int, T)) -> Double {
        let heap = HeapMeter.allocated()
        let (allocated, structure) = fill(ids)
        let heapPerID = Double(HeapMeter.allocated() - heap) / Double(ids)
        withExtendedLifetime(structure) {}
        var best = Double.infinity
        for _ in 0..<rounds {
            let start = ContinuousClock.now
            withExtendedLifetime(fill(ids)) {}
            best = Swift.min(best, Self.seconds(start.duration(to: .now)))
        }
        let figures = String(
            format: "heap %6.1f B/id  allocated %6.1f B/id  make + insert %6.1f ns/id",
            heapPerID, Double(allocated) / Double(ids), best * 1e9 / Double(ids))
        print(name.padding(toLength: 26, withPad: " ", startingAt: 0) + figures)
        return heapPerID
    }

    private static func seconds(_ duration: Duration) -> Double {
        Double(duration.components.seconds) + Double(duration.components.attoseconds) / 1e18
    }

    /// A UUID-shaped id (8-4-4-4-12 hex digits) drawn from `index`, built as a new heap string.
    static func id(_ index: Int) -> String {
        let (a, b) = (mix(UInt64(index) &* 2 &+ 1), mix(UInt64(index) &* 2 &+ 2))
        let digits = Array("0123456789abcdef".utf8)
        return String(unsafeUninitializedCapacity: 36) { buffer in
            var bits = (a, b)
            for position in 0..<36 {
                if position == 8 || position == 13 || position == 18 || position == 23 {
                    buffer[position] = UInt8(ascii: "-")
                    continue
                }
                buffer[position] = digits[Int(bits.0 & 15)]
                bits = (bits.0 >> 4 | bits.1 << 60, bits.1 >> 4)
            }
            return 36
        }
    }

    /// SplitMix64's output step: distinct inputs give distinct, well-spread outputs.
    private static func mix(_ value: UInt64) -> UInt64 {
        var z = value &* 0x9e37_79b9_7f4a_7c15
        z = (z ^ (z >> 30)) &* 0xbf58_476d_1ce4_e5b9
        z = (z ^ (z >> 27)) &* 0x94d0_49bb_1331_11eb
        return z ^ (z >> 31)
    }

    /// 250,000 events a second.
    static func time(_ index: Int) -> EventTime { EventTime(millis: Int64(index / 250)) }
}

/// What the de-duplicator kept per id before fingerprints: the id's string in a `HashedTable` of
/// `ExactKey`s with its time, and its 64-bit hash in its bucket's array. Inserts only, the same steps.
private struct ExactIDTable {
    var table = HashedTable<ExactKey, Int64>(capacity: 1024)
    var buckets: [Int64: [UInt64]] = [:]

    mutating func insert(_ id: String, at t: EventTime) {
        let hash = StableHash.hash(id)
        _ = table.findOrInsert(ExactKey(id), hash: hash) { t.millis }
        buckets[t.millis.floorDivided(by: 450_000), default: []].append(hash)
    }

    /// The table's slots and the buckets' arrays (the strings' own allocations are not counted here).
    var allocatedBytes: Int {
        var slots = 16
        while slots * 7 < table.count * 10 { slots <<= 1 }
        return slots * MemoryLayout<(UInt64, ExactKey?, Int64?)>.stride
            + buckets.values.reduce(0) { $0 + $1.capacity * 8 }
    }
}

/// Heap and resident memory of this process.
enum HeapMeter {
    private typealias MallCtl =
        @convention(c) (
            UnsafePointer<CChar>?, UnsafeMutableRawPointer?, UnsafeMutablePointer<Int>?, UnsafeMutableRawPointer?, Int
        ) -> Int32

    /// jemalloc's `mallctl`, when jemalloc is the process's allocator.
    private static let mallctl: MallCtl? = {
        guard let symbol = dlsym(dlopen(nil, RTLD_NOW), "mallctl") else { return nil }
        return unsafeBitCast(symbol, to: MallCtl.self)
    }()

    static var isJemalloc: Bool { mallctl != nil }

    static var source: String {
        mallctl == nil ? "resident memory (glibc: no allocator statistics)" : "jemalloc stats.allocated"
    }

    /// Bytes the allocator has handed out and not taken back (jemalloc), else the resident set size:
    /// glibc serves allocations as large as these tables with mmap and returns them on free.
    static func allocated() -> Int {
        if let mallctl {
            // Writing "epoch" refreshes the statistics that the reads below return.
            var epoch: UInt64 = 1
            _ = mallctl("epoch", nil, nil, &epoch, MemoryLayout<UInt64>.size)
            var allocated = 0
            var length = MemoryLayout<Int>.size
            guard mallctl("stats.allocated", &allocated, &length, nil, 0) == 0 else { return 0 }
            return allocated
        }
        return resident()
    }

    /// Resident set size, from /proc/self/statm.
    static func resident() -> Int {
        guard let text = try? String(contentsOfFile: "/proc/self/statm", encoding: .utf8) else { return 0 }
        let fields = text.split(separator: " ")
        return fields.count > 1 ? (Int(fields[1]) ?? 0) * Int(sysconf(Int32(_SC_PAGESIZE))) : 0
    }
}
