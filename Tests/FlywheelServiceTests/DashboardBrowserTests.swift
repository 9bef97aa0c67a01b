import FlywheelService
import FlywheelTesting
import Foundation
import Testing

/// The dashboard in headless Chromium against a running service with tokens, fed with a generated log in two
/// halves: after the first, every chart shows exactly the committed `model_quality` windows (drawn: pixels of the
/// series colours), the alerts and latest pairs equal the service's, the counters equal `/v1/stats`; after the
/// second, the page catches up over its streams without a reload; the page reports no error throughout.
///
/// Needs Debian's `chromium` (apt-get install -y chromium, as `.ci/run` does). Without it the test is skipped,
/// saying so, unless CI=true: CI must run it, so there it fails.
@Suite(.timeLimit(.minutes(10)))
struct DashboardBrowserTests {
    static let browserTestRuns =
        HeadlessChromium.binary() != nil || ProcessInfo.processInfo.environment["CI"] == "true"

    @Test(
        .enabled(
            if: browserTestRuns,
            "chromium is not installed (apt-get update && apt-get install -y chromium); with CI=true it fails"))
    func dashboardDrawsTheSignalsAndFollowsNewEvents() async throws {
        guard let binary = HeadlessChromium.binary() else {
            let install = "apt-get update && apt-get install -y chromium"
            Issue.record(
                "CI=true and chromium is not installed: the dashboard's browser test must run in CI (\(install))")
            return
        }
        let folder = try TemporaryFolder("serve-dashboard")
        defer { folder.remove() }
        let log = try folder.generatedLog("log.jsonl") {
            $0.conversations = 240
            $0.conversationsPerMinute = 12
            $0.seed = 21
        }
        let lines = try Data(contentsOf: URL(fileURLWithPath: log)).split(separator: UInt8(ascii: "\n"))
        let half = lines.count / 2
        var configuration = try ServiceHarness.configuration(data: folder.file("data"), yaml: SignalReadTests.pipeline)
        configuration.tokens = AccessTokens(ingest: [AuthTests.ingest], read: [AuthTests.read])
        let profile = folder.file("chromium")
        try FileManager.default.createDirectory(atPath: profile, withIntermediateDirectories: true)
        try await ServiceHarness.run(configuration) { service in
            try await service.eventually { service.server.status.isReady }
            try await Self.post(lines[..<half], to: service)
            try await service.eventually { SignalReadTests.eventsIn(service.data) == half }
            let browser = try await FlywheelCLI.offThePool {
                let browser = try HeadlessChromium(binary: binary, folder: profile)
                do {
                    try browser.attach()
                    try browser.navigate("http://127.0.0.1:\(service.port)/?access_token=\(AuthTests.read)")
                } catch {
                    browser.quit()
                    throw error
                }
                return browser
            }
            do {
                let first = try await Self.caughtUp(browser, service)
                #expect(first.windows > 0)
                #expect(!first.page.pairs.isEmpty)
                for chart in first.page.charts where chart.points > 0 {
                    #expect(chart.colored > 0, "\(chart.model) \(chart.metric): \(chart.points) points, none drawn")
                }
                #expect(first.page.charts.filter { $0.metric == "responses" }.allSatisfy { $0.points > 0 })

                try await Self.post(lines[half...], to: service)
                try await service.eventually { SignalReadTests.eventsIn(service.data) == lines.count }
                let second = try await Self.caughtUp(browser, service)
                #expect(second.windows > first.windows)
                #expect(second.page.points > first.page.points)
                #expect(second.page.eventsIn == lines.count)
                let errors = try await FlywheelCLI.offThePool { browser.errors }
                #expect(errors.isEmpty, "the browser reported: \(errors)")
                #expect(second.page.errors.isEmpty, "the page reported: \(second.page.errors)")
                #expect(second.page.status == "live")
            } catch {
                try await FlywheelCLI.offThePool { browser.quit() }
                throw error
            }
            try await FlywheelCLI.offThePool { browser.quit() }
        }
    }

    static func post(_ lines: ArraySlice<Data>, to service: ServiceHarness) async throws {
        for start in stride(from: lines.startIndex, to: lines.endIndex, by: 500) {
            let chunk = lines[start..<min(lines.endIndex, start + 500)]
            let answer = try await service.request(
                "POST", "/v1/events",
                headers: [("Content-Type", "application/x-ndjson"), ("Authorization", "Bearer \(AuthTests.ingest)")],
                body: Array(chunk.joined(separator: [UInt8(ascii: "\n")])))
            try #require(answer.status == 200, "\(answer.body)")
        }
    }

    /// What the service has committed, read over the API as the page's expectations.
    struct Expected: Equatable {
        /// Distinct (model, variant, window_start) of the `model_quality` records: the points of volume charts.
        var windows: Int
        /// The newest 20 pair ids, newest first.
        var pairs: [String]
        var alerts: Int
        var eventsIn: Int?
    }

    static func expected(_ service: ServiceHarness) async throws -> Expected {
        func records(_ kind: String, _ limit: Int) async throws -> [[String: Any]] {
            let answer = try await service.get("/v1/signals/\(kind)?limit=\(limit)", token: AuthTests.read)
            try #require(answer.status == 200, "\(kind): \(answer.body)")
            return answer.body.split(separator: "\n").map { SignalRecordsOnDisk.object(String($0)) }
        }
        let quality = try await records("model_quality", 100_000)
        let windows = Set(quality.map { "\($0["model"] ?? "")|\($0["variant"] ?? "")|\($0["window_start"] ?? "")" })
        let pairs = try await records("preference_pair", 20).reversed().map { "\($0["pair_id"] ?? "")" }
        let alerts = try await records("quality_alert", 50).count
        let stats = try await service.get("/v1/stats", token: AuthTests.read).json
        let running = stats["running"] as? [String: Any]
        return Expected(
            windows: windows.count, pairs: pairs, alerts: alerts, eventsIn: running?["events_in"] as? Int)
    }

    /// Polls the page and the service until the page shows what the service committed (at most 120 s).
    static func caughtUp(_ browser: HeadlessChromium, _ service: ServiceHarness) async throws -> (
        windows: Int, page: DashboardState
    ) {
        let deadline = ContinuousClock.now + .seconds(120)
        var last: (Expected, DashboardState?) = (try await expected(service), nil)
        while ContinuousClock.now < deadline {
            let wanted = try await expected(service)
            // Evaluating fails while the page navigates: that is "not yet".
            let page = try? await FlywheelCLI.offThePool { try DashboardState.read(browser) }
            last = (wanted, page)
            if let page, page.ready, page.points == wanted.windows, page.pairs == wanted.pairs,
                page.alerts == wanted.alerts, page.eventsIn == wanted.eventsIn
            {
                return (wanted.windows, page)
            }
            try await Task.sleep(for: .milliseconds(250))
        }
        let errors = try await FlywheelCLI.offThePool { browser.errors }
        Issue.record(
            "the page did not catch up: service \(last.0), page \(String(describing: last.1)), errors \(errors)")
        throw HeadlessChromium.Failure(description: "the page did not catch up within 120 s")
    }
}

/// What the dashboard shows, read from its DOM and canvases.
struct DashboardState: CustomStringConvertible {
    struct Chart {
        var model: String
        var metric: String
        /// The points the page says it drew.
        var points: Int
        /// Pixels in one of the series colours.
        var colored: Int
    }

    var ready: Bool
    var status: String
    var errors: [String]
    var charts: [Chart]
    var pairs: [String]
    var alerts: Int
    var eventsIn: Int?

    /// The points of the volume charts (every window has a response count, so one point per window).
    var points: Int { charts.filter { $0.metric == "responses" }.reduce(0) { $0 + $1.points } }

    var description: String {
        "ready \(ready), status \(status), volume points \(points), pairs \(pairs.count), alerts \(alerts), "
            + "events_in \(eventsIn.map(String.init) ?? "-"), errors \(errors)"
    }

    static let expression = """
        JSON.stringify((() => {
          const d = window.flywheelDashboard;
          if (!d) return { ready: false, status: "", errors: [], charts: [], pairs: [], alerts: 0, eventsIn: null };
          const colours = d.palette.map((hex) => parseInt(hex.slice(1), 16));
          const near = (r, g, b) => colours.some((v) =>
            Math.abs(r - (v >> 16)) < 12 && Math.abs(g - ((v >> 8) & 255)) < 12 && Math.abs(b - (v & 255)) < 12);
          const charts = [...document.querySelectorAll("canvas.chart")].map((canvas) => {
            const data = canvas.getContext("2d").getImageData(0, 0, canvas.width, canvas.height).data;
            let colored = 0;
            for (let i = 0; i < data.length; i += 4) {
              if (data[i + 3] > 200 && near(data[i], data[i + 1], data[i + 2])) colored += 1;
            }
            return { model: canvas.dataset.model, metric: canvas.dataset.metric,
                     points: Number(canvas.dataset.points), colored };
          });
          const eventsIn = document.querySelector('[data-counter="events_in"] dd');
          return {
            ready: document.body.dataset.ready === "true",
            status: document.getElementById("status").dataset.state,
            errors: d.errors,
            charts,
            pairs: [...document.querySelectorAll("#pairs tbody tr")].map((row) => row.dataset.pairId),
            alerts: document.querySelectorAll("#alerts tbody tr").length,
            eventsIn: eventsIn ? Number(eventsIn.textContent.replace(/,/g, "")) : null,
          };
        })())
        """

    static func read(_ browser: HeadlessChromium) throws -> DashboardState {
        let object = try browser.evaluateJSON(expression) as? [String: Any] ?? [:]
        let charts = (object["charts"] as? [[String: Any]] ?? []).map {
            Chart(
                model: $0["model"] as? String ?? "", metric: $0["metric"] as? String ?? "",
                points: $0["points"] as? Int ?? 0, colored: $0["colored"] as? Int ?? 0)
        }
        return DashboardState(
            ready: object["ready"] as? Bool ?? false, status: object["status"] as? String ?? "",
            errors: object["errors"] as? [String] ?? [], charts: charts,
            pairs: object["pairs"] as? [String] ?? [], alerts: object["alerts"] as? Int ?? 0,
            eventsIn: object["eventsIn"] as? Int)
    }
}
