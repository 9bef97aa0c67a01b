import FlywheelService
import FlywheelSignals
import FlywheelTesting
import Foundation
import Synchronization
import Testing

/// `POST /v1/admin/reload`: a new catalog prices the events read after it; a bad one is refused and the old one
/// stays in force.
@Suite(.timeLimit(.minutes(3)))
struct CatalogReloadTests {
    /// W moves with event time only, so which window an event falls in does not depend on the machine's speed.
    static let pipeline = """
        time: { idle_timeout: 1s, idle_advance: none }
        enrich: { model_catalog: models.yaml }
        checkpoint: { interval: 200ms }
        """

    static func catalog(family: String, inputPer1k: Double) -> String {
        "models:\n  m: { family: \(family), input_per_1k: \(inputPer1k), output_per_1k: 0 }\n"
    }

    /// A prompt and a response of 1000 input tokens at `minute` past 10:00, then a prompt two minutes later that
    /// moves W past the response's window (one conversation: one partition).
    static func exchange(_ id: String, minute: Int) -> [String] {
        let at = { (m: Int) in String(format: "2026-11-26T10:%02d:00.000Z", m) }
        return [
            Events.prompt("p\(id)", conversation: "c", at: at(minute)),
            #"{"event_id":"r\#(id)","type":"response","timestamp":"\#(at(minute))","conversation_id":"c","#
                + #""message_id":"mr\#(id)","parent_id":"m-p\#(id)","model":"m","text":"hi","latency_ms":5,"#
                + #""tokens_in":1000,"tokens_out":0}"#,
            Events.prompt("q\(id)", conversation: "c", at: at(minute + 2)),
        ]
    }

    /// The model_quality records committed so far, as JSON objects.
    static func qualityRecords(data: String) -> [[String: Any]] {
        let lines = (try? OutputTopic.recordsByKind(data: data, topic: "signals.model_quality"))?["model_quality"]
        return (lines ?? []).compactMap {
            (try? JSONSerialization.jsonObject(with: Data($0.utf8))) as? [String: Any]
        }
    }

    @Test func eventsReadAfterAReloadUseTheNewPricesAndABadCatalogIsRefused() async throws {
        let folder = try TemporaryFolder("serve-reload")
        defer { folder.remove() }
        let catalog = try folder.write("models.yaml", Self.catalog(family: "f1", inputPer1k: 1))
        let loaded = try LoadedPipeline.load(path: try folder.write("serve.yaml", Self.pipeline))
        var configuration = ServiceConfiguration(pipeline: loaded, dataDir: folder.file("data"))
        configuration.port = 0
        let notices = NoticeLog()
        configuration.notice = { notices.append($0) }
        try await ServiceHarness.run(configuration) { service in
            try await service.eventually { service.server.status.isReady }
            #expect(try await service.postEvents(Self.exchange("a", minute: 0), token: nil).accepted == 3)
            try await service.eventually { Self.qualityRecords(data: service.data).count == 1 }

            _ = try folder.write("models.yaml", Self.catalog(family: "f2", inputPer1k: 3))
            let reloaded = try await service.request("POST", "/v1/admin/reload")
            #expect(reloaded.status == 200)
            #expect(reloaded.json["models"] as? Int == 1 && reloaded.json["reloads"] as? Int == 1)
            #expect(try await service.postEvents(Self.exchange("b", minute: 3), token: nil).accepted == 3)
            try await service.eventually { Self.qualityRecords(data: service.data).count == 2 }

            _ = try folder.write("models.yaml", "models:\n  m: { family: f3, input_per_1k: -1, output_per_1k: 0 }\n")
            let refused = try await service.request("POST", "/v1/admin/reload")
            #expect(refused.status == 422)
            #expect(refused.json["code"] as? String == "invalid_catalog")
            #expect((refused.json["error"] as? String)?.contains("\(catalog):2: models.m.input_per_1k") == true)
            #expect(try await service.postEvents(Self.exchange("c", minute: 6), token: nil).accepted == 3)
            try await service.eventually { Self.qualityRecords(data: service.data).count == 3 }

            let records = Self.qualityRecords(data: service.data)
            #expect(
                records.map { $0["window_start"] as? String }
                    == ["00", "03", "06"].map { "2026-11-26T10:\($0):00.000Z" })
            #expect(records.map { $0["cost_usd"] as? Double } == [1, 3, 3])
            #expect(records.map { $0["model_family"] as? String } == ["f1", "f2", "f2"])
            let reloads = service.server.status.catalogReloads
            #expect(reloads.succeeded == 1 && reloads.failed == 1)
            #expect(reloads.lastError?.contains("price must be >= 0") == true)
        }
        let logged = notices.lines
        #expect(logged.count == 2)
        #expect(logged.first?.hasPrefix("model catalog reloaded (POST /v1/admin/reload)") == true)
        #expect(logged.last?.contains("refused, the previous catalog stays in force") == true)
    }
}

/// Lines the service reported through `notice`.
final class NoticeLog: Sendable {
    private let storage = Mutex<[String]>([])

    func append(_ line: String) { storage.withLock { $0.append(line) } }

    var lines: [String] { storage.withLock { $0 } }
}
