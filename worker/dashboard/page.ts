/**
 * The status page's HTML, written on the server with the current numbers in
 * it: a reader without JavaScript sees them (and a text summary of every
 * chart); with JavaScript, the page's script draws the charts and keeps the
 * same elements up to date. Values are escaped by `hono/html`.
 *
 * @module
 */

import { html } from "hono/html";
import type { HtmlEscapedString } from "hono/utils/html";
import { chartColumns, CHARTS, chartSummary } from "./charts.ts";
import { type Field, FIELDS, formatValue, valueAt } from "./fields.ts";
import type { DashboardStatus } from "./status.ts";

/** Where the page's own script and style are served. */
export const ASSET_PATHS = { script: "/dashboard/app.js", style: "/dashboard/app.css" } as const;

const PANELS: readonly { id: Field["panel"]; title: string }[] = [
  { id: "budget", title: "ESI error budget" },
  { id: "traffic", title: "Calls and cache" },
  { id: "refusals", title: "Refusals, failures and waits" },
];

type Html = HtmlEscapedString | Promise<HtmlEscapedString>;

/**
 * Renders the page.
 *
 * @param status The status to show.
 * @returns The HTML document.
 * @example
 * ```ts ignore
 * const page = await renderPage(buildStatus(input));
 * ```
 */
export async function renderPage(status: DashboardStatus): Promise<string> {
  const value = (key: string, kind: string): Html =>
    html`<span data-field="${key}" data-kind="${kind}">${
      formatValue(valueAt(status, key), kind)
    }</span>`;
  const panel = (id: Field["panel"], title: string): Html =>
    html`<section class="panel" aria-labelledby="h-${id}">
  <h2 id="h-${id}">${title}</h2>
  <dl>${
      FIELDS.filter((f) => f.panel === id).map((f) =>
        html`
          <div>
            <dt>${f.label}</dt>
            <dd>${value(f.key, f.kind)}</dd>
          </div>
        `
      )
    }</dl>
</section>`;
  const chart = (c: (typeof CHARTS)[number]): Html => {
    const summary = chartSummary(
      c,
      chartColumns(c, status, valueAt),
      (v) => formatValue(v, c.kind),
    );
    return html`
      <figure class="chart" data-chart="${c.id}">
        <figcaption id="cap-${c.id}">${c.title}</figcaption>
        <div class="plot" id="plot-${c.id}" role="img" aria-labelledby="cap-${c.id}"
          aria-describedby="sum-${c.id}"></div>
        <p class="summary" id="sum-${c.id}" data-summary="${c.id}">${summary}</p>
      </figure>
    `;
  };
  const when = new Date(status.generatedAt).toISOString();
  const doc = await html`
    <!doctype html>
    <html lang="en">
      <head>
        <meta charset="utf-8">
        <meta name="viewport" content="width=device-width, initial-scale=1">
        <meta name="color-scheme" content="light">
        <title>esikit gateway status</title>
        <link rel="stylesheet" href="${ASSET_PATHS.style}">
        <script defer src="${ASSET_PATHS.script}"></script>
      </head>
      <body data-view="${status.view}" data-refresh-ms="${status.refreshMs}">
        <header>
          <h1>esikit gateway status</h1>
          <p
            class="meta">${status.view === "public"
              ? "Public view: aggregate numbers only. "
              : ""}As of <time data-generated datetime="${when}">${when}</time>. <span id="live" role="status" aria-live="polite">Reload for newer numbers.</span></p>
          <p class="alert" role="alert"
            data-blocked${status.budget.blocked
              ? ""
              : " hidden"}>ESI answered 420: every call is held until the window resets.</p>
          <p class="alert" role="alert"
            data-circuits${status.circuits.open
              ? ""
              : " hidden"}>ESI keeps failing on some routes: their calls fail fast until a probe succeeds.</p>
        </header>
        <main>
    <div class="panels">
    ${PANELS.map((p) => panel(p.id, p.title))}
    </div>
    ${groups(status)}
    <section aria-labelledby="h-charts">
      <h2 id="h-charts">Over time</h2>
      <noscript><p>The charts need JavaScript; each one's summary below says what it would show.</p></noscript>
      <div class="charts">${CHARTS.map(chart)}</div>
    </section>
    ${status.settings ? settings(status) : ""}
        </main>
      </body>
    </html>
  `;
  return doc.toString();
}

function groups(status: DashboardStatus): Html {
  const rows = status.groups.map((g, i) =>
    html`<tr>
  <th scope="row">${g.name}</th>
  <td><span data-field="groups.${i}.remaining" data-kind="int">${
      formatValue(g.remaining, "int")
    }</span> of <span data-field="groups.${i}.size" data-kind="int">${
      formatValue(g.size, "int")
    }</span>${
      g.remaining !== null && g.size
        ? html`
          <meter min="0" max="${g.size}" low="${Math.ceil(g.size / 10)}" optimum="${g
            .size}" value="${g.remaining}"
            aria-label="${g.name}: tokens left"></meter>
        `
        : ""
    }</td>
  <td><span data-field="groups.${i}.received429" data-kind="int">${
      formatValue(g.received429, "int")
    }</span></td>
</tr>`
  );
  return html`
    <section aria-labelledby="h-groups">
      <h2 id="h-groups">Route groups in use</h2>
      <div class="scroll">
        <table id="groups">
          <thead>
            <tr>
              <th scope="col">Group</th>
              <th scope="col">Tokens left</th>
              <th scope="col">429s</th>
            </tr>
          </thead>
          <tbody>${rows.length ? rows : html`
            <tr>
              <td colspan="3">No group has answered yet.</td>
            </tr>
          `}</tbody>
        </table>
      </div>
    </section>
  `;
}

function settings(status: DashboardStatus): Html {
  const s = status.settings!;
  const d = status.detail;
  const list = (record: Record<string, number> | undefined) =>
    Object.entries(record ?? {}).map(([k, v]) => `${k} ${v}`).join(", ") || "none";
  return html`
    <section aria-labelledby="h-settings">
      <h2 id="h-settings">Settings</h2>
      <dl class="settings">
        <div>
          <dt>Upstream</dt>
          <dd>${s.upstream}</dd>
        </div>
        <div>
          <dt>Store</dt>
          <dd>${s.store}</dd>
        </div>
        <div>
          <dt>On store failure</dt>
          <dd>${s.onStoreError}</dd>
        </div>
        <div>
          <dt>Caller tiers</dt>
          <dd>${s.tiers.map((t) => `${t.name}: ${t.limit} per ${t.window}`).join("; ")}</dd>
        </div>
        <div>
          <dt>API key required</dt>
          <dd>${s.requireApiKey ? "yes" : "no"}</dd>
        </div>
        <div>
          <dt>Upstream timeout</dt>
          <dd>${formatValue(s.esiTimeoutMs, "ms")}</dd>
        </div>
        <div>
          <dt>Most pages merged</dt>
          <dd>${s.maxAllPages}</dd>
        </div>
        <div>
          <dt>Rate limited, by tier</dt>
          <dd>${list(d?.rateLimitedByTier)}</dd>
        </div>
        <div>
          <dt>Credentials refused, by reason</dt>
          <dd>${list(d?.authFailuresByReason)}</dd>
        </div>
        <div>
          <dt>Store errors, by store</dt>
          <dd>${list(d?.storeErrorsByStore)}</dd>
        </div>
      </dl>
    </section>
  `;
}
