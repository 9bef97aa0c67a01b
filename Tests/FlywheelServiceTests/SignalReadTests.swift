import FlywheelService
import FlywheelSignals
import FlywheelTesting
import Foundation
import Testing

/// `GET /v1/signals/{kind}` and `GET /v1/compare` against a service fed with a generated log: what they answer
/// equals the committed records of the folder sink on disk, for every kind and filter, and `inspect --url`
/// shows what `inspect` of the folder shows. A CI dry run next to the other suites took 306 s for the three tests
/// (`compareAndInspectURLShowWhatTheFolderShows` runs the debug CLI 17 times): the limit leaves room for a slower
/// machine.
@Suite(.timeLimit(.minutes(15)))
struct SignalReadTests {
    /// No idle advance and no idle partitions: W moves with event time only, so a restart without new events
    /// releases nothing and the folder sink's final files (all of them, after a graceful stop) are exactly what
    /// was committed. With the default `idle_timeout` (30 s) the first run stopped before its partitions went
    /// idle, W was the minimum over the four partitions, and the restarted job raised W to their maximum 30 s
    /// after it started reading: it committed more conversation summaries while a test paged through them (CI,
    /// 2026-12-08: `Flywheel-Committed-End` 302, then 308). An hour is longer than any of these tests.
    /// Alerts at a low threshold, so that the small log has some.
    static let pipeline = """
        time: { idle_advance: none, idle_timeout: 1h }
        checkpoint: { interval: 300ms }
        signals:
          model_quality: {}
          preference_pair: {}
          conversation_summary: {}
          sft_example: {}
          quality_alert: { min_feedback: 2, max_down_rate: 0.3 }
        """

    /// Serves `log` once (posted in requests of 500 lines), waits until the job read every line, stops; then
    /// runs `body` on a restarted service over the same folder.
    static func served(
        _ folder: TemporaryFolder, log: String, _ body: (ServiceHarness) async throws -> Void
    ) async throws {
        let configuration = try ServiceHarness.configuration(data: folder.file("data"), yaml: pipeline)
        // Bytes, not text: the generator writes some lines that are not valid UTF-8 (dead letters).
        let lines = try Data(contentsOf: URL(fileURLWithPath: log)).split(separator: UInt8(ascii: "\n"))
        try await ServiceHarness.run(configuration) { service in
            try await service.eventually { service.server.status.isReady }
            for start in stride(from: 0, to: lines.count, by: 500) {
                let chunk = lines[start..<min(lines.count, start + 500)]
                let answer = try await service.post(Array(chunk.joined(separator: [UInt8(ascii: "\n")])))
                try #require(answer.status == 200, "\(answer.body)")
            }
            try await service.eventually { Self.eventsIn(folder.file("data")) == lines.count }
        }
        try await ServiceHarness.run(configuration) { service in
            try await service.eventually { service.server.status.isReady }
            try await body(service)
        }
    }

    /// The folder's committed records once the read API answers the same for every kind. The restarted job may
    /// still release what the first run read after its last checkpoint (a stop that was not graceful on a
    /// loaded machine); the API shows such records once their checkpoint completes, the folder once its sink
    /// has handled the commit, a moment later. On a loaded CI machine the service was still committing SFT
    /// examples after two minutes, and the test then compared its answers with a stale snapshot: it waits up to
    /// five, and says so when the service never settled. Answers equal to the folder are not enough by themselves:
    /// they can match before the restarted job has re-read what it releases again. So it first waits until the job
    /// has read the whole topic and a checkpoint covers it (`/v1/stats`: `lag.total` and `lag.committed_total` 0);
    /// from then on only the folder moves (a restarted job's open files get their final names after `roll_age`),
    /// towards the answers, as long as W does not move by the wall clock (see `pipeline`: the records that kept
    /// coming after this wait, on a slow machine, were released by idle partitions).
    static func settled(_ service: ServiceHarness, signals: String) async throws -> [RecordKind: [String]] {
        let deadline = ContinuousClock.now + .seconds(300)
        while true {
            let lag = try await service.get("/v1/stats").json["lag"] as? [String: Any]
            if (lag?["total"] as? Int, lag?["committed_total"] as? Int) == (0, 0) { break }
            if ContinuousClock.now > deadline {
                Issue.record("the restarted job had not read and committed the whole topic after 300 s")
                break
            }
            try await Task.sleep(for: .milliseconds(200))
        }
        while true {
            let disk = SignalRecordsOnDisk.committed(signals)
            var same = true
            for kind in RecordKind.allCases where same {
                let answer = try await service.get("/v1/signals/\(kind.name)?limit=100000")
                same = answer.status == 200 && answer.body.split(separator: "\n").map(String.init) == disk[kind]!
            }
            if same { return disk }
            if ContinuousClock.now > deadline {
                Issue.record("the service's answers still differed from the committed records after 300 s")
                return disk
            }
            try await Task.sleep(for: .milliseconds(200))
        }
    }

    static func eventsIn(_ data: String) -> Int? {
        guard
            let bytes = FileManager.default.contents(atPath: (data as NSString).appendingPathComponent("counters.json"))
        else { return nil }
        return SignalRecordsOnDisk.object(String(decoding: bytes, as: UTF8.self))["events_in"] as? Int
    }

    static func generatedLog(_ folder: TemporaryFolder) throws -> String {
        try folder.generatedLog("log.jsonl") {
            $0.conversations = 300
            $0.seed = 15
            $0.malformedRate = 0.02
            $0.lateRate = 0.01
        }
    }

    @Test func everyKindAndFilterAnswersTheCommittedRecordsOnDisk() async throws {
        let folder = try TemporaryFolder("serve-read")
        defer { folder.remove() }
        try await Self.served(folder, log: try Self.generatedLog(folder)) { service in
            let disk = try await Self.settled(service, signals: folder.file("data/signals"))
            for kind in RecordKind.allCases {
                #expect(!disk[kind]!.isEmpty, "no \(kind.name) records: the test would prove little")
            }
            let quality = disk[.modelQuality]!.map(SignalRecordsOnDisk.object)
            let since = try #require(quality[quality.count / 3]["window_start"] as? String)
            let until = try #require(quality[quality.count * 2 / 3]["window_end"] as? String)
            let sinceMillis = try #require(EventTimeText.millis(since))
            let model = try #require(quality.first?["model"] as? String)
            let filters: [ExpectedFilter] = [
                ExpectedFilter(),
                ExpectedFilter(since: since),
                ExpectedFilter(until: until),
                ExpectedFilter(since: String(sinceMillis), until: until),
                ExpectedFilter(model: model),
                ExpectedFilter(variant: "control"),
                ExpectedFilter(model: model, variant: "treatment"),
                ExpectedFilter(since: since, model: model),
            ]
            for kind in RecordKind.allCases {
                for filter in filters {
                    for limit in [nil, 3, 100_000] {
                        let path = "/v1/signals/\(kind.name)?" + filter.query + (limit.map { "&limit=\($0)" } ?? "")
                        let answer = try await service.get(path)
                        guard let expected = filter.expected(kind, disk[kind]!) else {
                            #expect(answer.status == 400, "\(path)")
                            #expect(answer.json["code"] as? String == "invalid_parameter", "\(path)")
                            continue
                        }
                        #expect(answer.status == 200, "\(path): \(answer.body)")
                        #expect(answer.headers["content-type"] == "application/x-ndjson")
                        let lines = answer.body.split(separator: "\n").map(String.init)
                        #expect(lines == Array(expected.suffix(limit ?? 1000)), "\(path)")
                    }
                }
            }
        }
    }

    @Test func limitAndPagesBackwardsCoverEveryRecordOnce() async throws {
        let folder = try TemporaryFolder("serve-read-pages")
        defer { folder.remove() }
        try await Self.served(folder, log: try Self.generatedLog(folder)) { service in
            // After the restarted job has committed what it releases again (see `settled`): read at once, the folder
            // was a record behind the API on a loaded machine.
            let disk = try await Self.settled(service, signals: folder.file("data/signals"))[.conversationSummary]!
            var pages: [[String]] = []
            var before: String?
            repeat {
                let answer = try await service.get(
                    "/v1/signals/conversation_summary?limit=7" + (before.map { "&before=\($0)" } ?? ""))
                #expect(answer.status == 200)
                #expect(answer.headers["flywheel-committed-end"] == String(disk.count))
                pages.append(answer.body.split(separator: "\n").map(String.init))
                before = answer.headers["flywheel-next-before"]
            } while before != nil && pages.count <= disk.count
            #expect(pages.dropLast().allSatisfy { $0.count == 7 })
            #expect(pages.reversed().flatMap { $0 } == disk)
            #expect(
                try await service.get("/v1/signals/conversation_summary").body.split(separator: "\n").count
                    == min(1000, disk.count))
            for bad in ["limit=0", "limit=100001", "limit=ten", "limit=-1", "before=x", "since=yesterday"] {
                let answer = try await service.get("/v1/signals/conversation_summary?\(bad)")
                #expect(answer.status == 400, "\(bad)")
                let name = String(bad.prefix { $0 != "=" })
                #expect((answer.json["error"] as? String)?.contains(name) == true, "\(bad): \(answer.body)")
            }
            let unknown = try await service.get("/v1/signals/thumbs")
            #expect(unknown.status == 404)
            #expect((unknown.json["error"] as? String)?.contains("preference_pair, conversation_summary") == true)
            let typo = try await service.get("/v1/signals/model_quality?modle=x")
            #expect(typo.status == 400)
            #expect((typo.json["error"] as? String)?.contains("'modle'") == true)
        }
    }

    @Test func compareAndInspectURLShowWhatTheFolderShows() async throws {
        try #require(FileManager.default.isExecutableFile(atPath: ServeCLITests.binary), "build the CLI first")
        let folder = try TemporaryFolder("serve-read-inspect")
        defer { folder.remove() }
        try await Self.served(folder, log: try Self.generatedLog(folder)) { service in
            let signals = folder.file("data/signals")
            let url = "http://127.0.0.1:\(service.port)"
            let quality = try await Self.settled(service, signals: signals)[.modelQuality]!.map(
                SignalRecordsOnDisk.object)
            let model = try #require(quality.first?["model"] as? String)
            let compared = try await service.get("/v1/compare?a=control&b=treatment&model=\(model)")
            #expect(compared.status == 200, "\(compared.body)")
            let cli = try await Self.flywheel(
                ["inspect", signals, "--compare", "control", "treatment", "--model", model, "--format", "json"])
            #expect(compared.body.trimmingCharacters(in: .newlines) == cli.trimmingCharacters(in: .newlines))
            #expect(try await service.get("/v1/compare?a=control").status == 400)
            #expect(try await service.get("/v1/compare?a=control&b=nobody").status == 400)

            for extra in [[], ["--model", model, "--since", "2026-11-18T11:00:00Z"], ["--kind", "preference_pair"]] {
                let fromFolder = try await Self.flywheel(["inspect", signals, "--format", "json"] + extra)
                let fromService = try await Self.flywheel(["inspect", "--url", url, "--format", "json"] + extra)
                #expect(Self.withoutSource(fromService) == Self.withoutSource(fromFolder), "\(extra)")
                let tableFolder = try await Self.flywheel(["inspect", signals, "--limit", "4"] + extra)
                let tableService = try await Self.flywheel(["inspect", "--url", url, "--limit", "4"] + extra)
                #expect(Self.body(tableService) == Self.body(tableFolder), "\(extra)")
            }
            let report = folder.file("report.html")
            let written = try await FlywheelCLI.run(
                ["report", "--url", url, "-o", report], executable: ServeCLITests.binary)
            #expect(written.status == 0, "\(written)")
            let html = try String(contentsOfFile: report, encoding: .utf8)
            #expect(html.contains("<svg") && html.contains(model))
            let both = try await FlywheelCLI.run(["inspect", signals, "--url", url], executable: ServeCLITests.binary)
            #expect(both.status == 64 && both.stderr.contains("not both"))
            let follow = try await FlywheelCLI.run(
                ["inspect", "--url", url, "--follow"], executable: ServeCLITests.binary)
            #expect(follow.status == 64 && follow.stderr.contains("/stream"))
            let token = try await FlywheelCLI.run(
                ["inspect", signals, "--token", "t"], executable: ServeCLITests.binary)
            #expect(token.status == 64 && token.stderr.contains("--token applies only to --url"))
            let closed = try ServeCLITests.freePort()
            let gone = try await FlywheelCLI.run(
                ["inspect", "--url", "http://127.0.0.1:\(closed)"], executable: ServeCLITests.binary)
            #expect(gone.status == 1 && gone.stderr.contains("cannot read http://127.0.0.1:\(closed)/v1/signals/"))
        }
    }

    static func flywheel(_ arguments: [String]) async throws -> String {
        let result = try await FlywheelCLI.run(
            arguments, environment: ["NO_COLOR": "1"], executable: ServeCLITests.binary)
        try #require(result.status == 0, "\(arguments): \(result)")
        return result.stdout
    }

    /// The JSON read-out without what names the source (its path or URL, and why it has no counters).
    static func withoutSource(_ json: String) -> NSDictionary {
        var object = SignalRecordsOnDisk.object(json)
        object["source"] = nil
        object["counters_note"] = nil
        return object as NSDictionary
    }

    /// The table read-out from the first section on (the lines before name the source and its counters).
    static func body(_ text: String) -> [Substring] {
        let lines = text.split(separator: "\n", omittingEmptySubsequences: false)
        return Array(lines.drop { !$0.hasPrefix("Records per kind") })
    }
}

/// A filter of the read API and, independently of the service, the records it selects.
struct ExpectedFilter {
    var since: String?
    var until: String?
    var model: String?
    var variant: String?

    var query: String {
        [("since", since), ("until", until), ("model", model), ("variant", variant)]
            .compactMap { name, value in value.map { "\(name)=\($0)" } }.joined(separator: "&")
    }

    private var sinceMillis: Int64? { since.map { Int64($0) ?? EventTimeText.millis($0)! } }
    private var untilMillis: Int64? { until.map { Int64($0) ?? EventTimeText.millis($0)! } }

    /// The records of `kind` selected, or nil when a filter does not apply to the kind (400).
    func expected(_ kind: RecordKind, _ lines: [String]) -> [String]? {
        let timed = since != nil || until != nil
        switch kind {
        case .modelQuality, .qualityAlert:
            return lines.filter { line in
                let record = SignalRecordsOnDisk.object(line)
                let start = SignalRecordsOnDisk.millis(record["window_start"])!
                let end = SignalRecordsOnDisk.millis(record["window_end"])!
                return (sinceMillis.map { start >= $0 } ?? true) && (untilMillis.map { end <= $0 } ?? true)
                    && (model.map { record["model"] as? String == $0 } ?? true)
                    && (variant.map { record["variant"] as? String == $0 } ?? true)
            }
        case .preferencePair:
            guard variant == nil else { return nil }
            return lines.filter { line in
                let record = SignalRecordsOnDisk.object(line)
                let models = [record["chosen_model"] as? String, record["rejected_model"] as? String]
                return keeps(SignalRecordsOnDisk.millis(record["timestamp"])!) && (model.map(models.contains) ?? true)
            }
        case .conversationSummary, .lateEvent:
            guard model == nil, variant == nil else { return nil }
            let field = kind == .lateEvent ? "timestamp" : "session_start"
            return lines.filter { keeps(SignalRecordsOnDisk.millis(SignalRecordsOnDisk.object($0)[field])!) }
        case .deadLetter, .sftExample:
            return timed || model != nil || variant != nil ? nil : lines
        }
    }

    private func keeps(_ time: Int64) -> Bool {
        (sinceMillis.map { time >= $0 } ?? true) && (untilMillis.map { time < $0 } ?? true)
    }
}
