import FlywheelEngine
import Testing

@testable import FlywheelSignals

private typealias E = SignalsEvent

private func config(minFeedback: Int = 20, maxDownRate: Double = 0.5) -> PipelineConfig {
    var config = PipelineConfig()
    config.signals.alertMinFeedback = minFeedback
    config.signals.alertMaxDownRate = maxDownRate
    return config
}

/// Adds every event to a fresh operator, then ends the input; records in file order.
private func run(_ events: [ChatEvent], config: PipelineConfig = config(), catalog: ModelCatalog? = nil)
    -> [SignalRecord]
{
    var quality = ModelQualityOperator(config: config, catalog: catalog)
    var out: [SignalRecord] = []
    for event in events { quality.add(event, into: &out) }
    quality.advance(to: .max, into: &out)
    return signalsFileOrder(out)
}

private func qualityRecords(_ events: [ChatEvent], catalog: ModelCatalog? = nil) throws -> [SignalsJSON] {
    try run(events, catalog: catalog).filter { $0.kind == .modelQuality }.map(SignalsJSON.init)
}

private func responses(latencies: [Double], model: String = "m1") -> [ChatEvent] {
    latencies.enumerated().map { index, latency in
        E.response(
            "r\(index)", at: Int64(index), message: "r\(index)", parent: "p", model: model, text: "A", latency: latency)
    }
}

private func feedback(up: Int, down: Int) -> [ChatEvent] {
    (0..<up).map { E.feedback("up\($0)", at: 1_000, on: "r", .up) }
        + (0..<down).map { E.feedback("down\($0)", at: 2_000, on: "r", .down) }
}

struct ModelQualityOperatorTests {
    @Test func ratesAreNullWithoutTheirDenominators() throws {
        let record = try #require(try qualityRecords([E.copy("c", at: 0, of: "r1")]).first)
        #expect(record.int("copies") == 1 && record.int("responses") == 0)
        for key in [
            "up_rate", "regenerate_rate", "error_rate", "latency_ms_mean", "latency_ms_p50", "latency_ms_p95",
            "latency_ms_p99",
        ] {
            #expect(record.isNull(key), "\(key) should be null")
        }
        #expect(record.int("tokens_in") == 0 && record.int("tokens_out") == 0)
    }

    @Test func errorRateCountsErrorsAgainstResponsesAndErrors() throws {
        let record = try #require(try qualityRecords([E.error("x", at: 0)]).first)
        #expect(record.double("error_rate") == 1.0)
        #expect(record.isNull("regenerate_rate") && record.isNull("up_rate"))
    }

    @Test func countsAndRatesOverAWindow() throws {
        var events = responses(latencies: [100, 200, 300, 400])
        events += feedback(up: 3, down: 1)
        events += [
            E.regenerate("g1", at: 3_000, of: "r0"), E.regenerate("g2", at: 3_001, of: "r1"),
            E.copy("c1", at: 4_000, of: "r2"), E.error("x1", at: 5_000),
        ]
        let record = try #require(try qualityRecords(events).first)
        #expect(record.string("signal") == "model_quality")
        #expect(record.string("window_start") == signalsStamp(0) && record.string("window_end") == signalsStamp(60_000))
        #expect(record.string("model") == "m1" && record.string("variant") == "default")
        #expect(record.int("responses") == 4 && record.int("feedback_up") == 3 && record.int("feedback_down") == 1)
        #expect(record.double("up_rate") == 0.75)
        #expect(record.int("regenerations") == 2 && record.double("regenerate_rate") == 0.5)
        #expect(record.int("copies") == 1 && record.int("errors") == 1 && record.double("error_rate") == 0.2)
        #expect(record.double("latency_ms_mean") == 250)
        let expectedKeys: Set = [
            "signal", "window_start", "window_end", "model", "variant", "responses", "feedback_up", "feedback_down",
            "up_rate", "regenerations", "regenerate_rate", "copies", "errors", "error_rate", "latency_ms_mean",
            "latency_ms_p50", "latency_ms_p95", "latency_ms_p99", "tokens_in", "tokens_out",
        ]
        #expect(record.keys == expectedKeys)
    }

    /// Nearest rank: the value at 1-based rank ceil(p * n) of the sorted latencies.
    @Test(
        arguments: [
            (Array((1...100).map(Double.init).reversed()), 50, 95, 99, 50.5),
            ([42], 42, 42, 42, 42),
            ([30, 10, 20], 20, 30, 30, 20),
            ([20, 10], 10, 20, 20, 15),
            ((1...20).map(Double.init), 10, 19, 20, 10.5),
            ([0, 0, 7.5, 0], 0, 7.5, 7.5, 1.875),
        ] as [([Double], Double, Double, Double, Double)])
    func latencyPercentilesUseNearestRank(latencies: [Double], p50: Double, p95: Double, p99: Double, mean: Double)
        throws
    {
        let record = try #require(try qualityRecords(responses(latencies: latencies)).first)
        #expect(record.double("latency_ms_p50") == p50)
        #expect(record.double("latency_ms_p95") == p95)
        #expect(record.double("latency_ms_p99") == p99)
        #expect(record.double("latency_ms_mean") == mean)
    }

    @Test func nearestRankAgreesWithExactIntegerRanks() {
        for n in 1...2_000 {
            let sorted = (1...n).map(Double.init)
            for percent in [50, 95, 99] {
                let rank = (percent * n + 99) / 100
                let value = ModelQualityAccumulator.nearestRank(sorted, Double(percent) / 100)
                #expect(value == Double(rank), "n \(n), p\(percent)")
            }
        }
    }

    @Test func tokensAreSummedOverResponses() throws {
        let events = [
            E.response("r1", at: 0, message: "r1", parent: "p", text: "A", tokensIn: 10, tokensOut: 20),
            E.response(
                "r2", at: 1, message: "r2", parent: "p", text: "A", tokensIn: 5, tokensOut: 9_007_199_254_740_992),
        ]
        let record = try #require(try qualityRecords(events).first)
        #expect(record.int("tokens_in") == 15)
        #expect(record.line.contains(#""tokens_out": 9007199254741012"#))
    }

    @Test func keysAndWindowsAreSeparate() throws {
        let events = [
            E.response("a", at: 0, message: "a", parent: "p", model: "m1", text: "A", variant: "B"),
            E.response("b", at: 10, message: "b", parent: "p", model: "m1", text: "A"),
            E.response("c", at: 20, message: "c", parent: "p", model: "m0", text: "A"),
            E.response("d", at: 60_000, message: "d", parent: "p", model: "m1", text: "A"),
            E.response("e", at: 59_999, message: "e", parent: "p", model: "m1", text: "A"),
        ]
        let keys = try qualityRecords(events).map {
            "\($0.string("window_start")!) \($0.string("model")!) \($0.string("variant")!) \($0.int("responses")!)"
        }
        #expect(
            keys == [
                "\(signalsStamp(0)) m0 default 1", "\(signalsStamp(0)) m1 B 1", "\(signalsStamp(0)) m1 default 2",
                "\(signalsStamp(60_000)) m1 default 1",
            ])
    }

    @Test func windowFiresWhenTheWatermarkReachesItsEndMinusOne() {
        var quality = ModelQualityOperator(config: config(), catalog: nil)
        var out: [SignalRecord] = []
        quality.add(E.copy("c", at: 0, of: "r"), into: &out)
        quality.advance(to: signalsTime(59_998), into: &out)
        #expect(out.isEmpty)
        quality.advance(to: signalsTime(59_999), into: &out)
        #expect(out.map(\.kind) == [.modelQuality])
    }

    @Test func promptsAndChoicesWithAModelAreNotCounted() throws {
        var prompt = E.prompt("p", at: 0, message: "p1", text: "Q")
        prompt.model = "m-prompt"
        let choice = E.choice("ch", at: 10, chosen: "a", rejected: "b", model: "m-choice")
        let harness = SignalsShardHarness.run([prompt, choice, E.copy("c", at: 20, of: "a", model: "m1")])
        #expect(try harness.objects(.modelQuality).map { $0.string("model") } == ["m1"])
    }

    /// Alerts fire when feedback >= min_feedback and down / feedback >= max_down_rate.
    @Test(arguments: [
        (up: 10, down: 10, minFeedback: 20, maxDownRate: 0.5, alert: true),
        (up: 10, down: 9, minFeedback: 20, maxDownRate: 0.5, alert: false),
        (up: 11, down: 9, minFeedback: 20, maxDownRate: 0.5, alert: false),
        (up: 0, down: 19, minFeedback: 20, maxDownRate: 0.5, alert: false),
        (up: 0, down: 20, minFeedback: 20, maxDownRate: 0.5, alert: true),
        (up: 7, down: 3, minFeedback: 10, maxDownRate: 0.3, alert: true),
        (up: 8, down: 2, minFeedback: 10, maxDownRate: 0.3, alert: false),
        (up: 0, down: 1, minFeedback: 1, maxDownRate: 1.0, alert: true),
        (up: 0, down: 0, minFeedback: 0, maxDownRate: 0.5, alert: false),
    ])
    func alertFiresAtItsThresholds(up: Int, down: Int, minFeedback: Int, maxDownRate: Double, alert: Bool) throws {
        var events = feedback(up: up, down: down)
        events.append(E.copy("c", at: 0, of: "r"))
        let records = run(events, config: config(minFeedback: minFeedback, maxDownRate: maxDownRate))
        let alerts = try records.filter { $0.kind == .qualityAlert }.map(SignalsJSON.init)
        #expect(alerts.count == (alert ? 1 : 0))
        guard let record = alerts.first else { return }
        #expect(record.string("signal") == "quality_alert" && record.string("model") == "m1")
        #expect(record.string("variant") == "default")
        #expect(record.string("window_start") == signalsStamp(0) && record.string("window_end") == signalsStamp(60_000))
        #expect(record.int("feedback") == up + down)
        #expect(record.double("down_rate") == Double(down) / Double(up + down))
        #expect(record.keys == ["signal", "window_start", "window_end", "model", "variant", "down_rate", "feedback"])
    }

    @Test func enrichmentFieldsAppearOnlyWithACatalog() throws {
        let catalog = ModelCatalog(models: ["m1": ModelInfo(family: "atlas", inputPer1k: 0.5, outputPer1k: 1.5)])
        let events = [
            E.response(
                "r1", at: 0, message: "r1", parent: "p", model: "m1", text: "A", tokensIn: 1_000, tokensOut: 2_000),
            E.response("r2", at: 1, message: "r2", parent: "p", model: "m1", text: "A", tokensIn: 500),
            E.feedback("f1", at: 2, on: "r1", .up, model: "m1"),
            E.response("r3", at: 3, message: "r3", parent: "p", model: "unknown", text: "A", tokensIn: 1_000),
            E.feedback("f2", at: 4, on: "r3", .up, model: "feedback-only"),
        ]
        let enriched = try qualityRecords(events, catalog: catalog)
        let byModel = Dictionary(uniqueKeysWithValues: enriched.map { ($0.string("model")!, $0) })
        let known = try #require(byModel["m1"])
        #expect(known.string("model_family") == "atlas")
        #expect(abs((known.double("cost_usd") ?? -1) - 3.75) < 1e-12)
        let unknown = try #require(byModel["unknown"])
        #expect(unknown.isNull("model_family") && unknown.isNull("cost_usd"))
        #expect(try #require(byModel["feedback-only"]).isNull("cost_usd"))
        let plain = try qualityRecords(events)
        #expect(plain.count == 3)
        #expect(plain.allSatisfy { !$0.has("model_family") && !$0.has("cost_usd") })
    }

    @Test func knownModelWithoutResponsesCostsZero() throws {
        let catalog = ModelCatalog(models: ["m1": ModelInfo(family: "atlas", inputPer1k: 0.5, outputPer1k: 1.5)])
        let record = try #require(try qualityRecords([E.copy("c", at: 0, of: "r")], catalog: catalog).first)
        #expect(record.double("cost_usd") == 0)
        #expect(record.string("model_family") == "atlas")
    }
}
