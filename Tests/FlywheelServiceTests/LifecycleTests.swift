import FlywheelService
import FlywheelTesting
import Foundation
import Testing

@Suite(.timeLimit(.minutes(3)))
struct LifecycleTests {
    @Test func healthIsUpAndReadinessFollowsTheJob() async throws {
        let folder = try TemporaryFolder("serve-ready")
        defer { folder.remove() }
        try await ServiceHarness.run(try ServiceHarness.configuration(data: folder.path)) { service in
            #expect(try await service.get("/healthz").status == 200)
            try await service.eventually { try await service.get("/readyz").status == 200 }
            #expect(service.server.status.isReady)
        }
    }

    @Test func gracefulStopRefusesNewIngestAndTakesAFinalCheckpoint() async throws {
        let folder = try TemporaryFolder("serve-stop")
        defer { folder.remove() }
        let configuration = try ServiceHarness.configuration(data: folder.path)
        var server: FlywheelServer?
        try await ServiceHarness.run(configuration) { service in
            server = service.server
            try await service.eventually { service.server.status.isReady }
            #expect(try await service.post(Events.prompt("s1")).status == 200)
        }
        let stopped = try #require(server)
        #expect(!stopped.status.isReady)
        #expect(stopped.status.isDraining)
        #expect(stopped.status.jobResult?.stoppedAtCheckpoint != nil)
        // A restart resumes from that checkpoint and reads on.
        try await ServiceHarness.run(configuration) { service in
            try await service.eventually { service.server.status.isReady }
            #expect(try await service.post(Events.prompt("s2")).status == 200)
        }
    }

    @Test func shutdownAnswers503ToNewIngestAndFinishesRequestsInFlight() async throws {
        let folder = try TemporaryFolder("serve-drain")
        defer { folder.remove() }
        let drainHeld = Latch()
        let status = StatusBox()
        let hooks = ServiceHooks(
            beforeGroupCommit: { _ in
                // The request in flight commits only once the shutdown has begun.
                while await !(status.value?.isDraining ?? false) { try? await Task.sleep(for: .milliseconds(5)) }
            },
            afterDrainBegins: { await drainHeld.wait() })
        try await ServiceHarness.run(try ServiceHarness.configuration(data: folder.path), hooks: hooks) { service in
            await status.set(service.server.status)
            try await service.eventually { service.server.status.isReady }
            let inFlight = Task { try await service.post(Events.prompt("in-flight")) }
            try await service.eventually { service.server.appender.waitingRequests == 1 }
            Task { await service.group.triggerGracefulShutdown() }
            try await service.eventually { try await service.get("/readyz").status == 503 }
            #expect(try await service.get("/healthz").status == 200)
            let refused = try await service.post(Events.prompt("too-late"))
            #expect(refused.status == 503)
            #expect(refused.headers["retry-after"] == "1")
            let answered = try await inFlight.value
            #expect(answered.status == 200)
            #expect(answered.accepted == 1)
            await drainHeld.open()
        }
        let topic = try ServiceHarness.eventsTopic(data: folder.path).flatMap { $0 }
        #expect(topic == [Events.prompt("in-flight")])
    }

    @Test func nonLoopbackHostIsRefusedWithoutTheFlag() throws {
        let folder = try TemporaryFolder("serve-host")
        defer { folder.remove() }
        var configuration = try ServiceHarness.configuration(data: folder.path)
        #expect(throws: ServiceError.self) {
            try configuration.resolveListening(flags: .init(host: "0.0.0.0"), environment: [:])
        }
        configuration.insecureListenAny = true
        try configuration.resolveListening(flags: .init(host: "0.0.0.0"), environment: [:])
        #expect(configuration.host == "0.0.0.0")
    }

    @Test func flagsWinOverEnvironmentOverDefaults() throws {
        let folder = try TemporaryFolder("serve-precedence")
        defer { folder.remove() }
        var configuration = try ServiceHarness.configuration(data: folder.path)
        let environment = ["FLYWHEEL_PORT": "9001", "FLYWHEEL_MAX_BODY": "1MiB", "FLYWHEEL_HOST": "localhost"]
        try configuration.resolveListening(flags: .init(port: 9002), environment: environment)
        #expect(configuration.port == 9002)
        #expect(configuration.maxBodyBytes == 1 << 20)
        #expect(configuration.host == "localhost")
        var defaults = try ServiceHarness.configuration(data: folder.path)
        defaults.port = ServiceConfiguration.defaultPort
        try defaults.resolveListening(flags: .init(), environment: [:])
        #expect(defaults.port == 8080 && defaults.maxBodyBytes == 8 << 20 && defaults.host == "127.0.0.1")
        #expect(throws: ServiceError.self) {
            try defaults.resolveListening(flags: .init(), environment: ["FLYWHEEL_PORT": "http"])
        }
        #expect(throws: ServiceError.self) {
            try defaults.resolveListening(flags: .init(maxBody: "lots"), environment: [:])
        }
    }
}

/// A gate tasks wait at until it is opened.
actor Latch {
    private var isOpen = false
    private var waiters: [CheckedContinuation<Void, Never>] = []

    func wait() async {
        guard !isOpen else { return }
        await withCheckedContinuation { waiters.append($0) }
    }

    func open() {
        isOpen = true
        for waiter in waiters { waiter.resume() }
        waiters = []
    }
}

/// The status of a service built later than the hook that reads it.
actor StatusBox {
    private(set) var value: ServiceStatus?

    func set(_ status: ServiceStatus) { value = status }
}
