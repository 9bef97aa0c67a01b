import FlywheelConnectors
import FlywheelSignals
import FlywheelTesting
import Foundation
import Testing

@testable import FlywheelInspect

/// inspect, report and --follow read an embedded-log topic of signal records as they read a replay output folder.
struct InspectTopicTests {
    /// How the golden records are spread over a topic's partitions.
    enum Layout: CaseIterable {
        /// Record i to partition i mod P with timestamp base + i, one append per record (segments roll).
        case roundRobin
        /// Every kind to the partition of its name, one timestamp for all (as the replay's topic sink writes).
        case keyedByKind
    }

    /// The golden input's records: (kind, line), kind by kind in file order (the order a folder is read in).
    static func goldenRecords() throws -> [(kind: RecordKind, line: String)] {
        var records: [(kind: RecordKind, line: String)] = []
        for kind in RecordKind.allCases {
            let path = InspectGoldenTests.input + "/" + kind.fileName
            guard FileManager.default.fileExists(atPath: path) else { continue }
            let lines = try String(contentsOfFile: path, encoding: .utf8).split(separator: "\n")
            records += lines.map { (kind, String($0)) }
        }
        return records
    }

    /// Creates topic `name` with 3 partitions and 1 KiB segments, and returns it opened for writing.
    static func createTopic(_ name: String, in folder: TemporaryFolder) throws -> TopicLog {
        let log = EmbeddedLog(directory: folder.path)
        try log.createTopic(Topic(name: name, partitions: 3, segmentBytes: 1024))
        var access = PartitionLogOptions()
        access.fsync = .never
        return try log.open(name, access: access)
    }

    static func produceGolden(_ layout: Layout, to topic: TopicLog) throws {
        let base: Int64 = 1_763_463_600_000
        for (index, record) in try goldenRecords().enumerated() {
            switch layout {
            case .roundRobin:
                let partition = index % topic.partitions.count
                _ = try topic.partitions[partition].append([
                    LogRecord(timestamp: base + Int64(index), key: nil, value: record.line)
                ])
            case .keyedByKind:
                let partition = topic.partition(forKey: record.kind.name)
                _ = try topic.partitions[partition].append([
                    LogRecord(timestamp: base, key: record.kind.name, value: record.line)
                ])
            }
        }
    }

    /// The golden folder's data as a topic holding its records gives it: no counters, the topic as source.
    static func folderData(as source: String, _ configure: (inout InspectOptions) -> Void) throws -> InspectData {
        var options = InspectOptions(sourcePath: InspectGoldenTests.input)
        configure(&options)
        var data = try InspectLoader.load(options)
        data.counters = nil
        data.source = source
        return data
    }

    static func topicOptions(_ name: String, _ folder: TemporaryFolder) -> InspectOptions {
        var options = InspectOptions(sourcePath: "topic:\(name)")
        options.dataDirectory = folder.path
        return options
    }

    @Test(arguments: Layout.allCases)
    func topicReadsAsTheFolderItWasProducedFrom(layout: Layout) throws {
        let folder = try TemporaryFolder("inspect-topic")
        defer { folder.remove() }
        let topic = try Self.createTopic("signals", in: folder)
        try Self.produceGolden(layout, to: topic)
        #expect(topic.partitions.allSatisfy { $0.highWatermark > 0 })

        let options = Self.topicOptions("signals", folder)
        let data = try InspectLoader.load(options)
        let expected = try Self.folderData(as: "topic:signals") { _ in }
        #expect(data.counters == nil)
        #expect(data.json(limit: 5) == expected.json(limit: 5))
        #expect(data.csv(kind: nil, limit: 5) == expected.csv(kind: nil, limit: 5))
        let terminal = Terminal(width: 80, colors: false)
        let text = InspectTextRenderer(terminal: terminal, options: options).render(data)
        #expect(text == InspectTextRenderer(terminal: terminal, options: options).render(expected))
        #expect(!text.contains("Counters"))
        #expect(HTMLReport(data: data).render() == HTMLReport(data: expected).render())
    }

    @Test func filtersAndCompareApplyToATopic() throws {
        let folder = try TemporaryFolder("inspect-topic-filter")
        defer { folder.remove() }
        try Self.produceGolden(.roundRobin, to: Self.createTopic("signals", in: folder))
        var options = Self.topicOptions("signals", folder)
        options.models = ["atlas-1-large"]
        options.kinds = [.modelQuality, .qualityAlert]
        let data = try InspectLoader.load(options)
        let expected = try Self.folderData(as: "topic:signals") {
            $0.models = ["atlas-1-large"]
            $0.kinds = [.modelQuality, .qualityAlert]
        }
        #expect(data.json(limit: 5) == expected.json(limit: 5))
        let terminal = Terminal(width: 80, colors: false)
        let comparison = try VariantComparison.make(data, a: "control", b: "treatment")
        let expectedComparison = try VariantComparison.make(expected, a: "control", b: "treatment")
        #expect(comparison.text(terminal) == expectedComparison.text(terminal))
    }

    @Test func topicWithoutDataFolderAsksForIt() {
        let error = #expect(throws: InspectError.self) {
            _ = try InspectLoader.load(InspectOptions(sourcePath: "topic:signals"))
        }
        #expect(error?.code == .invalidOption)
        #expect(error?.message.contains("pass its data folder with --data") == true)
    }

    @Test func dataFolderWithoutTopicIsRefused() {
        var options = InspectOptions(sourcePath: InspectGoldenTests.input)
        options.dataDirectory = "/tmp"
        let error = #expect(throws: InspectError.self) { _ = try InspectLoader.load(options) }
        #expect(error?.code == .invalidOption)
        #expect(error?.message.hasPrefix("--data /tmp applies only to a topic") == true)
    }

    @Test func missingTopicNamesTheFolderAndListsItsTopics() throws {
        let folder = try TemporaryFolder("inspect-topic-missing")
        defer { folder.remove() }
        for name in ["beta", "alpha"] {
            try EmbeddedLog(directory: folder.path).createTopic(Topic(name: name, partitions: 1))
        }
        let error = #expect(throws: InspectError.self) {
            _ = try InspectLoader.load(Self.topicOptions("signals", folder))
        }
        #expect(error?.code == .sourceNotFound)
        #expect(error?.message == "topic 'signals' not found in \(folder.path); topics there: alpha, beta")
    }

    @Test func emptyTopicSaysItHasNoRecordsYet() throws {
        let folder = try TemporaryFolder("inspect-topic-empty")
        defer { folder.remove() }
        try EmbeddedLog(directory: folder.path).createTopic(Topic(name: "signals", partitions: 3))
        let error = #expect(throws: InspectError.self) {
            _ = try InspectLoader.load(Self.topicOptions("signals", folder))
        }
        #expect(error?.code == .emptyTopic)
        #expect(error?.message.hasPrefix("topic 'signals' has no records yet") == true)
    }

    @Test func recordThatIsNotASignalNamesPartitionAndOffset() throws {
        let folder = try TemporaryFolder("inspect-topic-bad")
        defer { folder.remove() }
        let topic = try Self.createTopic("signals", in: folder)
        _ = try topic.partitions[1].append([
            LogRecord(timestamp: 1, key: nil, value: #"{"signal": "late_event", "type": "feedback"}"#),
            LogRecord(timestamp: 2, key: nil, value: "not json"),
        ])
        let error = #expect(throws: InspectError.self) {
            _ = try InspectLoader.load(Self.topicOptions("signals", folder))
        }
        #expect(error?.code == .badRecord)
        #expect(
            error?.message.hasPrefix("topic 'signals' in \(folder.path), partition 1, offset 1: not a signal") == true)
    }

    @Test func followPrintsRecordsProducedAfterItStarted() throws {
        let folder = try TemporaryFolder("inspect-topic-follow")
        defer { folder.remove() }
        try EmbeddedLog(directory: folder.path).createTopic(Topic(name: "signals", partitions: 3, segmentBytes: 1024))
        let lines = try Self.goldenRecords().filter { $0.kind == .modelQuality }.map(\.line)
        // Started before any writer opened the topic: the partitions have no segment files yet.
        var follower = try InspectFollower(options: Self.topicOptions("signals", folder), terminal: Terminal())
        #expect(try follower.poll() == InspectFollower.Poll())
        var access = PartitionLogOptions()
        access.fsync = .never
        let topic = try EmbeddedLog(directory: folder.path).open("signals", access: access)
        for (index, line) in lines.prefix(12).enumerated() {
            _ = try topic.partitions[index % 3].append([LogRecord(timestamp: Int64(index), key: nil, value: line)])
        }
        let seen = try Self.poll(&follower, until: 12)
        #expect(seen.count == 12)
        #expect(seen.first?.contains("atlas-1-large") == true)
        #expect(try follower.poll() == InspectFollower.Poll())
    }

    /// Polls until `count` lines came or a generous deadline passed (appends are visible when they return, so
    /// the first poll normally has them all; the deadline only bounds a failing test).
    static func poll(_ follower: inout InspectFollower, until count: Int) throws -> [String] {
        let deadline = ContinuousClock.now + .seconds(10)
        var seen: [String] = []
        while seen.count < count && ContinuousClock.now < deadline {
            seen += try follower.poll().lines
            if seen.count < count { Thread.sleep(forTimeInterval: 0.01) }
        }
        return seen
    }
}
