import AsyncHTTPClient
import FlywheelConnectors
import FlywheelService
import FlywheelSignals
import FlywheelTesting
import Foundation
import NIOCore
import ServiceLifecycle
import Testing

/// A service built in-process on 127.0.0.1 with a port the OS picks, and a client for it.
struct ServiceHarness {
    let server: FlywheelServer
    let group: ServiceGroup
    let port: Int
    let data: String

    /// A configuration for a test: the default pipeline (sources: the events topic), a fast idle advance.
    static func configuration(data: String, yaml: String? = nil) throws -> ServiceConfiguration {
        let config = try yaml.map { try PipelineConfig.parse(yaml: $0, path: nil) } ?? PipelineConfig.default
        var configuration = ServiceConfiguration(pipeline: LoadedPipeline(config: config, catalog: nil), dataDir: data)
        configuration.port = 0
        return configuration
    }

    /// Runs the service from `configuration` for `body`, then stops it gracefully and waits for every service.
    static func run(
        _ configuration: ServiceConfiguration,
        hooks: ServiceHooks = ServiceHooks(),
        _ body: (ServiceHarness) async throws -> Void
    ) async throws {
        let server = try buildApplication(configuration, hooks: hooks)
        let group = server.serviceGroup()
        try await withThrowingTaskGroup(of: Void.self) { tasks in
            tasks.addTask { try await group.run() }
            let port = try #require(await server.status.boundPort())
            let harness = ServiceHarness(server: server, group: group, port: port, data: configuration.dataDir)
            do {
                try await body(harness)
            } catch {
                await group.triggerGracefulShutdown()
                try? await tasks.waitForAll()
                throw error
            }
            await group.triggerGracefulShutdown()
            try await tasks.waitForAll()
        }
    }

    /// An answer: status, headers, body.
    struct Answer {
        var status: Int
        var headers: [String: String]
        var body: String

        /// The body as a JSON object.
        var json: [String: Any] {
            (try? JSONSerialization.jsonObject(with: Data(body.utf8))) as? [String: Any] ?? [:]
        }

        var accepted: Int? { json["accepted"] as? Int }

        /// (index, reason) of each rejected line.
        var rejected: [(index: Int, reason: String)] {
            ((json["rejected"] as? [[String: Any]]) ?? []).map {
                ($0["index"] as? Int ?? -1, $0["reason"] as? String ?? "")
            }
        }
    }

    func post(
        _ body: [UInt8], contentType: String? = "application/x-ndjson", encoding: String? = nil
    ) async throws -> Answer {
        var request = HTTPClientRequest(url: "http://127.0.0.1:\(port)/v1/events")
        request.method = .POST
        if let contentType { request.headers.add(name: "Content-Type", value: contentType) }
        if let encoding { request.headers.add(name: "Content-Encoding", value: encoding) }
        request.body = .bytes(ByteBuffer(bytes: body))
        return try await send(request)
    }

    func post(_ text: String, contentType: String? = "application/x-ndjson") async throws -> Answer {
        try await post(Array(text.utf8), contentType: contentType)
    }

    func get(_ path: String) async throws -> Answer {
        try await send(HTTPClientRequest(url: "http://127.0.0.1:\(port)\(path)"))
    }

    private func send(_ request: HTTPClientRequest) async throws -> Answer {
        let response = try await HTTPClient.shared.execute(request, timeout: .seconds(60))
        let body = try await response.body.collect(upTo: 16 << 20)
        var headers: [String: String] = [:]
        for header in response.headers { headers[header.name.lowercased()] = header.value }
        return Answer(status: Int(response.status.code), headers: headers, body: String(buffer: body))
    }

    /// Every record value of the `events` topic, by partition, read from the files.
    func eventsTopic() throws -> [[String]] { try Self.eventsTopic(data: data) }

    /// Every record value of the `events` topic in `data`, by partition, read-only.
    static func eventsTopic(data: String) throws -> [[String]] {
        var access = PartitionLogOptions()
        access.readOnly = true
        let log = try EmbeddedLog(directory: data).open("events", access: access)
        defer { try? log.close() }
        return try log.partitions.map { partition in
            try partition.read(from: 0, maxBytes: 64 << 20).map { String(decoding: $0.value, as: UTF8.self) }
        }
    }

    /// Waits (without a deadline of its own: the test's time limit ends it) until `condition` holds.
    func eventually(_ condition: () async throws -> Bool) async throws {
        while !(try await condition()) { try await Task.sleep(for: .milliseconds(20)) }
    }
}

/// Event lines for tests.
enum Events {
    static func prompt(_ id: String, conversation: String = "c1", at time: String = "2026-11-26T10:00:00.000Z")
        -> String
    {
        #"{"event_id":"\#(id)","type":"prompt","timestamp":"\#(time)","conversation_id":"\#(conversation)","message_id":"m-\#(id)","text":"hello"}"#
    }
}
