import Foundation

/// The dashboard `GET /` serves: one self-contained HTML page (markup, an inline style sheet and an inline script,
/// nothing fetched from elsewhere) that draws the service's signals live.
///
/// The page loads the recent `model_quality`, `quality_alert` and `preference_pair` records with
/// `GET /v1/signals/{kind}?limit=...`, follows each kind's stream from the committed end it read
/// (`GET /v1/signals/{kind}/stream?from=...`, Server-Sent Events) and polls `GET /v1/stats`. Every value taken
/// from a record goes into the page as text (`textContent`, canvas text), never as markup. The script and the
/// style sheet are allowed by their SHA-256 in the Content-Security-Policy, so no other script can run.
enum DashboardPage {
    /// The whole page, as served.
    static let html: String =
        """
        <!doctype html>
        <html lang="en">
        <head>
        <meta charset="utf-8">
        <meta name="viewport" content="width=device-width, initial-scale=1">
        <meta name="referrer" content="no-referrer">
        <link rel="icon" href="data:,">
        <title>Flywheel dashboard</title>
        <style>\(style)</style>
        </head>
        <body data-ready="false" data-errors="0">
        <header>
        <h1>Flywheel</h1>
        <span id="status" data-state="connecting">connecting</span>
        <span id="updated"></span>
        </header>
        <main>
        <section>
        <h2>Counters and lag</h2>
        <dl id="counters"></dl>
        </section>
        <section>
        <h2>Model quality</h2>
        <p class="note" id="quality-note">No closed window yet.</p>
        <div id="quality"></div>
        </section>
        <section>
        <h2>Quality alerts</h2>
        <p class="note" id="alerts-note">No alert yet.</p>
        <table id="alerts"><thead><tr><th>Window end</th><th>Model</th><th>Variant</th><th>Down rate</th>
        <th>Feedback</th></tr></thead><tbody></tbody></table>
        </section>
        <section>
        <h2>Latest preference pairs</h2>
        <p class="note" id="pairs-note">No preference pair yet.</p>
        <table id="pairs"><thead><tr><th>Time</th><th>Source</th><th>Chosen model</th><th>Rejected model</th>
        <th>Prompt</th><th>Chosen</th><th>Rejected</th></tr></thead><tbody></tbody></table>
        </section>
        <section id="errors-section" hidden>
        <h2>Page errors</h2>
        <ul id="errors"></ul>
        </section>
        </main>
        <script>\(script)</script>
        </body>
        </html>

        """

    static let style: String =
        """

        :root { color-scheme: light; --ink: #1d2433; --muted: #5b6475; --line: #d9dee8; --panel: #ffffff; }
        * { box-sizing: border-box; }
        body { margin: 0; font: 14px/1.4 system-ui, sans-serif; color: var(--ink); background: #f3f5f9; }
        header { display: flex; gap: 16px; align-items: baseline; padding: 12px 20px; background: var(--panel);
          border-bottom: 1px solid var(--line); }
        h1 { font-size: 18px; margin: 0; }
        h2 { font-size: 15px; margin: 0 0 8px; }
        h3 { font-size: 14px; margin: 0 0 6px; }
        main { padding: 16px 20px; display: grid; gap: 16px; }
        section { background: var(--panel); border: 1px solid var(--line); border-radius: 6px; padding: 12px 14px; }
        #status { padding: 2px 8px; border-radius: 10px; background: #fdecc8; }
        #status[data-state="live"] { background: #d5f2dc; }
        #status[data-state="error"] { background: #f8d4d4; }
        #updated, .note { color: var(--muted); }
        dl { display: grid; grid-template-columns: repeat(auto-fill, minmax(170px, 1fr)); gap: 8px; margin: 0; }
        dl div { border: 1px solid var(--line); border-radius: 4px; padding: 6px 8px; }
        dt { color: var(--muted); font-size: 12px; }
        dd { margin: 0; font-size: 16px; font-variant-numeric: tabular-nums; }
        .model { border-top: 1px solid var(--line); padding-top: 10px; margin-top: 10px; }
        .charts { display: grid; grid-template-columns: repeat(auto-fill, minmax(260px, 1fr)); gap: 10px; }
        .chart-box { border: 1px solid var(--line); border-radius: 4px; padding: 6px; }
        .chart-title { font-size: 12px; color: var(--muted); }
        canvas.chart { width: 100%; height: 150px; display: block; }
        .legend { display: flex; flex-wrap: wrap; gap: 12px; margin: 4px 0 8px; font-size: 12px; }
        .swatch { display: inline-block; width: 10px; height: 10px; border-radius: 2px; margin-right: 4px; }
        table { border-collapse: collapse; width: 100%; font-size: 13px; }
        th, td { text-align: left; border-bottom: 1px solid var(--line); padding: 4px 6px; vertical-align: top; }
        td.text { max-width: 320px; overflow-wrap: anywhere; }
        #errors li { color: #a11; }

        """

    /// The Content-Security-Policy of the page: only its own inline script and style sheet (by hash), requests to
    /// this origin only, no frames, no forms, no base URI. The icon is an empty `data:` URL, so that the browser
    /// does not ask for `/favicon.ico` (which, like every path, needs the read token).
    static let contentSecurityPolicy: String =
        "default-src 'self'; script-src '\(sha256(script))'; style-src '\(sha256(style))'; img-src 'self' data:; "
        + "connect-src 'self'; object-src 'none'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'"

    /// The page's entity tag: changes with the page (a new build), so a cached copy is revalidated.
    static let entityTag: String = {
        let digest = SHA256Digest.hash(Array(html.utf8))
        return "\"" + digest.prefix(12).map { String(format: "%02x", $0) }.joined() + "\""
    }()

    /// A CSP hash source: `sha256-` and the base64 of the text's SHA-256.
    static func sha256(_ text: String) -> String {
        "sha256-" + Data(SHA256Digest.hash(Array(text.utf8))).base64EncodedString()
    }
}
