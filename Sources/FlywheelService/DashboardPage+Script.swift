extension DashboardPage {
    /// The page's script (plain JavaScript, no library). It keeps its state in `window.flywheelDashboard` and
    /// mirrors what it drew into the DOM (`data-points` on each chart, `data-ready`, `data-errors` on the body), so
    /// that a test can read it.
    static let script: String =
        #"""

        "use strict";
        (() => {
          const token = new URLSearchParams(location.search).get("access_token") || "";
          const kinds = { quality: "model_quality", alerts: "quality_alert", pairs: "preference_pair" };
          const metrics = [
            { key: "up_rate", title: "Up-rate", ratio: true },
            { key: "regenerate_rate", title: "Regenerate rate", ratio: true },
            { key: "latency_ms_p95", title: "Latency p95 (ms)", ratio: false },
            { key: "responses", title: "Volume (responses)", ratio: false },
          ];
          const palette = ["#1f77b4", "#d62728", "#2ca02c", "#9467bd", "#ff7f0e", "#17becf", "#8c564b", "#e377c2"];
          const maxWindows = 240, maxAlerts = 50, maxPairs = 20;
          const state = {
            palette, errors: [], streams: {}, quality: new Map(), alerts: [], pairs: [], statsPolls: 0,
          };
          window.flywheelDashboard = state;
          const byId = (id) => document.getElementById(id);

          const recordError = (text) => {
            state.errors.push(String(text));
            const item = document.createElement("li");
            item.textContent = String(text);
            byId("errors").appendChild(item);
            byId("errors-section").hidden = false;
            document.body.dataset.errors = String(state.errors.length);
          };
          window.addEventListener("error", (event) => recordError(event.message || "script error"));
          window.addEventListener("unhandledrejection", (event) => recordError("unhandled: " + event.reason));

          const withToken = (path) =>
            token ? path + (path.includes("?") ? "&" : "?") + "access_token=" + encodeURIComponent(token) : path;
          const authHeaders = () => (token ? { Authorization: "Bearer " + token } : {});
          const element = (tag, text, className) => {
            const node = document.createElement(tag);
            if (text !== undefined && text !== null) node.textContent = String(text);
            if (className) node.className = className;
            return node;
          };
          const clip = (text, length) => {
            const value = text === null || text === undefined ? "" : String(text);
            return value.length > length ? value.slice(0, length - 3) + "..." : value;
          };
          const formatNumber = (value, digits) => {
            if (value === null || value === undefined || Number.isNaN(value)) return "-";
            return typeof value === "number" ? value.toLocaleString("en", { maximumFractionDigits: digits }) : value;
          };
          const variantName = (variant) => (variant === null || variant === undefined ? "(none)" : String(variant));

          async function errorText(response) {
            const body = await response.text();
            try { return JSON.parse(body).error || body; } catch (_) { return body; }
          }

          // The last records of a kind and the committed end they stop at; null when the pipeline writes the
          // kind to no topic (409), with the reason shown in the section's note.
          async function loadRecent(kind, limit, note) {
            const response = await fetch("/v1/signals/" + kind + "?limit=" + limit, {
              headers: authHeaders(), cache: "no-store",
            });
            if (response.status === 409) {
              byId(note).textContent = await errorText(response);
              return null;
            }
            if (!response.ok) throw new Error(kind + ": HTTP " + response.status + ": " + (await errorText(response)));
            const end = response.headers.get("Flywheel-Committed-End");
            const records = (await response.text()).split("\n").filter((line) => line).map((line) => JSON.parse(line));
            return { records, end: end === null ? null : Number(end) };
          }

          function updateStatus() {
            const values = Object.values(state.streams);
            const status = byId("status");
            let label = "live", stateName = "live";
            if (values.length === 0) { label = "no streams"; stateName = "error"; }
            else if (values.includes("closed")) { label = "disconnected"; stateName = "error"; }
            else if (values.some((value) => value !== "open")) { label = "connecting"; stateName = "connecting"; }
            status.textContent = label;
            status.dataset.state = stateName;
          }

          // Follows a kind's stream from `from` on; the browser reconnects with Last-Event-ID by itself.
          function follow(kind, from, onRecord) {
            const path = "/v1/signals/" + kind + "/stream" + (from === null ? "" : "?from=" + from);
            const source = new EventSource(withToken(path));
            state.streams[kind] = "connecting";
            source.addEventListener("open", () => { state.streams[kind] = "open"; updateStatus(); });
            source.addEventListener("error", () => {
              state.streams[kind] = source.readyState === EventSource.CLOSED ? "closed" : "connecting";
              updateStatus();
            });
            source.addEventListener(kind, (event) => {
              let record;
              try {
                record = JSON.parse(event.data);
              } catch (_) {
                recordError(kind + ": a record that is not JSON");
                return;
              }
              onRecord(record);
              scheduleRender();
            });
            updateStatus();
          }

          // model_quality: by model, variant and window; a later record for the same window supersedes it.
          function addQuality(record) {
            if (typeof record.model !== "string" || typeof record.window_end !== "string") return;
            const variant = variantName(record.variant);
            if (!state.quality.has(record.model)) state.quality.set(record.model, new Map());
            const variants = state.quality.get(record.model);
            if (!variants.has(variant)) variants.set(variant, new Map());
            const windows = variants.get(variant);
            windows.set(record.window_start, { end: Date.parse(record.window_end), record });
            if (windows.size > maxWindows) {
              const oldest = [...windows.entries()].sort((a, b) => a[1].end - b[1].end)[0][0];
              windows.delete(oldest);
            }
          }
          const addAlert = (record) => {
            state.alerts.unshift(record);
            state.alerts.length = Math.min(state.alerts.length, maxAlerts);
          };
          const addPair = (record) => {
            state.pairs.unshift(record);
            state.pairs.length = Math.min(state.pairs.length, maxPairs);
          };

          let renderPending = false;
          function scheduleRender() {
            if (renderPending) return;
            renderPending = true;
            setTimeout(() => {
              renderPending = false;
              try { render(); } catch (error) { recordError("render: " + error); }
            }, 100);
          }

          function render() {
            renderQuality();
            renderAlerts();
            renderPairs();
            byId("updated").textContent = "updated " + new Date().toISOString().slice(11, 19) + " UTC";
          }

          function ensureChild(parent, selector, make) {
            let node = parent.querySelector(selector);
            if (!node) { node = make(); parent.appendChild(node); }
            return node;
          }

          function renderQuality() {
            const container = byId("quality");
            const models = [...state.quality.keys()].sort();
            byId("quality-note").hidden = models.length > 0;
            for (const model of models) {
              const variants = state.quality.get(model);
              const names = [...variants.keys()].sort();
              let card = [...container.children].find((node) => node.dataset.model === model);
              if (!card) {
                card = element("div", null, "model");
                card.dataset.model = model;
                card.appendChild(element("h3", model));
                card.appendChild(element("div", null, "legend"));
                const charts = element("div", null, "charts");
                for (const metric of metrics) {
                  const box = element("div", null, "chart-box");
                  box.appendChild(element("div", metric.title, "chart-title"));
                  const canvas = element("canvas", null, "chart");
                  canvas.dataset.model = model;
                  canvas.dataset.metric = metric.key;
                  canvas.dataset.points = "0";
                  box.appendChild(canvas);
                  charts.appendChild(box);
                }
                card.appendChild(charts);
                const table = element("table", null, "latest");
                const head = table.createTHead().insertRow();
                const titles = ["Variant", "Latest window end", "Up-rate", "Regenerate rate", "Latency p95 (ms)"];
                for (const title of [...titles, "Responses"]) head.appendChild(element("th", title));
                table.createTBody();
                card.appendChild(table);
                container.appendChild(card);
              }
              const series = names.map((name, index) => ({
                name, color: palette[index % palette.length],
                points: [...variants.get(name).values()].sort((a, b) => a.end - b.end),
              }));
              renderLegend(card.querySelector(".legend"), series);
              const ends = series.flatMap((item) => item.points.map((point) => point.end));
              const range = { start: Math.min(...ends), end: Math.max(...ends) };
              for (const canvas of card.querySelectorAll("canvas.chart")) {
                drawChart(canvas, metrics.find((metric) => metric.key === canvas.dataset.metric), series, range);
              }
              renderLatest(card.querySelector("table.latest tbody"), series);
            }
            const sorted = models.map((model) => [...container.children].find((node) => node.dataset.model === model));
            sorted.forEach((card) => container.appendChild(card));
          }

          function renderLegend(legend, series) {
            legend.replaceChildren(...series.map((item) => {
              const entry = element("span");
              const swatch = element("span", null, "swatch");
              swatch.style.background = item.color;
              entry.appendChild(swatch);
              entry.appendChild(document.createTextNode(item.name));
              return entry;
            }));
          }

          function renderLatest(body, series) {
            body.replaceChildren(...series.map((item) => {
              const row = document.createElement("tr");
              const last = item.points[item.points.length - 1].record;
              row.appendChild(element("td", item.name));
              row.appendChild(element("td", last.window_end));
              row.appendChild(element("td", formatNumber(last.up_rate, 3)));
              row.appendChild(element("td", formatNumber(last.regenerate_rate, 3)));
              row.appendChild(element("td", formatNumber(last.latency_ms_p95, 1)));
              row.appendChild(element("td", formatNumber(last.responses, 0)));
              return row;
            }));
          }

          const timeLabel = (millis) => new Date(millis).toISOString().slice(11, 16);

          // One metric over time, a line per variant; draws the points whose value is a number.
          function drawChart(canvas, metric, series, range) {
            const ratio = window.devicePixelRatio || 1;
            const width = canvas.clientWidth || 300, height = canvas.clientHeight || 150;
            canvas.width = Math.round(width * ratio);
            canvas.height = Math.round(height * ratio);
            const context = canvas.getContext("2d");
            context.setTransform(ratio, 0, 0, ratio, 0, 0);
            context.clearRect(0, 0, width, height);
            const left = 52, right = 10, top = 8, bottom = 20;
            const plotWidth = width - left - right, plotHeight = height - top - bottom;
            const lines = series.map((item) => ({
              color: item.color,
              points: item.points
                .map((point) => ({ x: point.end, y: point.record[metric.key] }))
                .filter((point) => typeof point.y === "number" && Number.isFinite(point.y)),
            }));
            const highest = Math.max(0, ...lines.flatMap((line) => line.points.map((point) => point.y)));
            const yMax = metric.ratio ? Math.max(1, highest) : niceCeiling(highest);
            const span = Math.max(range.end - range.start, 60000);
            // A range shorter than a minute (one window) is centred in a minute.
            const start = range.start - (span - (range.end - range.start)) / 2;
            const x = (value) => left + ((value - start) / span) * plotWidth;
            const y = (value) => top + plotHeight - (value / yMax) * plotHeight;

            context.strokeStyle = "#d9dee8";
            context.fillStyle = "#5b6475";
            context.font = "11px system-ui, sans-serif";
            context.lineWidth = 1;
            for (const fraction of [0, 0.5, 1]) {
              const level = top + plotHeight - fraction * plotHeight;
              context.beginPath();
              context.moveTo(left, level);
              context.lineTo(left + plotWidth, level);
              context.stroke();
              context.textAlign = "right";
              context.fillText(formatNumber(yMax * fraction, metric.ratio ? 2 : 0), left - 6, level + 4);
            }
            context.textAlign = "left";
            context.fillText(timeLabel(start), left, height - 5);
            context.textAlign = "right";
            context.fillText(timeLabel(start + span), left + plotWidth, height - 5);

            let drawn = 0;
            for (const line of lines) {
              context.strokeStyle = line.color;
              context.fillStyle = line.color;
              context.lineWidth = 2;
              context.beginPath();
              line.points.forEach((point, index) => {
                if (index === 0) context.moveTo(x(point.x), y(point.y));
                else context.lineTo(x(point.x), y(point.y));
              });
              context.stroke();
              for (const point of line.points) {
                context.beginPath();
                context.arc(x(point.x), y(point.y), 3, 0, 2 * Math.PI);
                context.fill();
                drawn += 1;
              }
            }
            canvas.dataset.points = String(drawn);
          }

          function niceCeiling(value) {
            if (value <= 0) return 1;
            const power = Math.pow(10, Math.floor(Math.log10(value)));
            for (const step of [1, 2, 2.5, 5, 10]) if (value <= step * power) return step * power;
            return 10 * power;
          }

          function renderAlerts() {
            byId("alerts-note").hidden = state.alerts.length > 0;
            byId("alerts").tBodies[0].replaceChildren(...state.alerts.map((alert) => {
              const row = document.createElement("tr");
              row.appendChild(element("td", alert.window_end));
              row.appendChild(element("td", alert.model));
              row.appendChild(element("td", variantName(alert.variant)));
              row.appendChild(element("td", formatNumber(alert.down_rate, 3)));
              row.appendChild(element("td", formatNumber(alert.feedback, 0)));
              return row;
            }));
          }

          function renderPairs() {
            byId("pairs-note").hidden = state.pairs.length > 0;
            byId("pairs").tBodies[0].replaceChildren(...state.pairs.map((pair) => {
              const row = document.createElement("tr");
              row.dataset.pairId = String(pair.pair_id);
              row.appendChild(element("td", pair.timestamp));
              row.appendChild(element("td", pair.source));
              row.appendChild(element("td", pair.chosen_model));
              row.appendChild(element("td", pair.rejected_model));
              for (const text of [pair.prompt, pair.chosen, pair.rejected]) {
                const cell = element("td", clip(text, 160), "text");
                cell.title = clip(text, 2000);
                row.appendChild(cell);
              }
              return row;
            }));
          }

          // GET /v1/stats every 2 seconds: the counters of the last checkpoint, the ingest's running counters,
          // W, the lag and the last checkpoint.
          function renderStats(stats) {
            const counters = stats.counters || {};
            const running = stats.running || {};
            const signals = counters.signals_out || {};
            const entries = [
              ["events_in", "Events in", running.events_in ?? counters.events_in],
              ["events_accepted", "Events accepted", running.events_accepted ?? counters.events_accepted],
              ["invalid_events", "Invalid events", running.invalid_events ?? counters.invalid_events],
              ["duplicates_dropped", "Duplicates dropped",
                running.duplicates_dropped ?? counters.duplicates_dropped],
              ["late_events", "Late events", running.late_events ?? counters.late_events],
              ["unresolved_references", "Unresolved references", counters.unresolved_references],
              ...Object.keys(signals).sort().map((kind) => ["signals_out." + kind, kind + " out", signals[kind]]),
              ["lag", "Lag (records)", stats.lag ? stats.lag.total : null],
              ["committed_lag", "Lag to checkpoint", stats.lag ? stats.lag.committed_total : null],
              ["watermark", "Watermark", stats.watermark ? stats.watermark.time : null],
              ["watermark_delay", "Watermark delay (s)", stats.watermark ? stats.watermark.delay_seconds : null],
              ["checkpoint", "Last checkpoint", stats.checkpoint ? "#" + stats.checkpoint.id : null],
              ["checkpoint_age", "Checkpoint age (s)", stats.checkpoint ? stats.checkpoint.age_seconds : null],
              ["ingest_requests", "Ingest requests", stats.ingest ? stats.ingest.requests : null],
              ["fsyncs", "Fsyncs", stats.ingest ? stats.ingest.fsyncs : null],
              ["uptime", "Uptime (s)", stats.uptime_seconds],
              ["ready", "Ready", stats.ready ? "yes" : "no"],
            ];
            const list = byId("counters");
            for (const [key, label, value] of entries) {
              const entry = ensureChild(list, '[data-counter="' + CSS.escape(key) + '"]', () => {
                const node = element("div");
                node.dataset.counter = key;
                node.appendChild(element("dt", label));
                node.appendChild(element("dd"));
                return node;
              });
              entry.querySelector("dd").textContent = formatNumber(value, 1);
            }
          }

          async function pollStats() {
            try {
              const response = await fetch("/v1/stats", { headers: authHeaders(), cache: "no-store" });
              if (response.ok) {
                renderStats(await response.json());
                state.statsPolls += 1;
                document.body.dataset.statsPolls = String(state.statsPolls);
              } else {
                byId("updated").textContent = "stats: HTTP " + response.status;
              }
            } catch (error) {
              byId("updated").textContent = "stats: " + error.message;
            }
            setTimeout(pollStats, 2000);
          }

          async function start() {
            const [quality, alerts, pairs] = await Promise.all([
              loadRecent(kinds.quality, 5000, "quality-note"),
              loadRecent(kinds.alerts, maxAlerts, "alerts-note"),
              loadRecent(kinds.pairs, maxPairs, "pairs-note"),
            ]);
            if (quality) { quality.records.forEach(addQuality); follow(kinds.quality, quality.end, addQuality); }
            if (alerts) { alerts.records.forEach(addAlert); follow(kinds.alerts, alerts.end, addAlert); }
            if (pairs) { pairs.records.forEach(addPair); follow(kinds.pairs, pairs.end, addPair); }
            render();
            document.body.dataset.ready = "true";
          }

          pollStats();
          start().catch((error) => {
            recordError("loading the signals: " + error.message);
            byId("status").textContent = "error";
            byId("status").dataset.state = "error";
          });
        })();

        """#
}
