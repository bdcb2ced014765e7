/**
 * The page's script and style sheet, each one file the gateway serves
 * itself (the page's CSP allows only these): uPlot (embedded from the npm
 * registry by `gen_assets.ts`), then the page's own code, sent as source
 * text with the shared functions it is given.
 *
 * @module
 */

import { UPLOT_CSS, UPLOT_JS, UPLOT_LICENSE } from "./assets.gen.ts";
import { chartColumns, CHARTS, chartSummary } from "./charts.ts";
import { dashboardClient } from "./client.ts";
import { formatValue, valueAt } from "./fields.ts";
import { PAGE_CSS } from "./style.ts";

/** The page's script: uPlot, then the page's code, started. */
export const APP_JS: string = [
  `/*! uPlot\n${UPLOT_LICENSE}\n*/`,
  UPLOT_JS,
  // Each function arrives as its own source text: they refer to nothing outside themselves.
  `;(${dashboardClient})(document, window, uPlot, {`,
  `  formatValue: ${formatValue},`,
  `  valueAt: ${valueAt},`,
  `  chartColumns: ${chartColumns},`,
  `  chartSummary: ${chartSummary},`,
  `  charts: ${JSON.stringify(CHARTS)},`,
  `});`,
  "",
].join("\n");

/** The page's style sheet: uPlot's, then the page's own. */
export const APP_CSS: string = `${UPLOT_CSS}\n${PAGE_CSS}`;
