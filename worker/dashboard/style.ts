/**
 * The page's own style sheet (served after uPlot's, as one file): one
 * column on a phone, panels side by side on a wide screen; dark text on
 * white (contrast above 7:1), focus outlines kept, motion none.
 *
 * @module
 */

/** The page's CSS. */
export const PAGE_CSS = `
:root { --fg: #1a1a1a; --muted: #4a4a4a; --line: #c8c8c8; --bg: #ffffff; --panel: #f4f5f7; --alert: #8b1a1f; }
* { box-sizing: border-box; }
body { margin: 0; padding: 1rem; font: 16px/1.5 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; color: var(--fg); background: var(--bg); }
header, main { max-width: 72rem; margin: 0 auto; }
h1 { font-size: 1.5rem; margin: 0 0 .25rem; }
h2 { font-size: 1.15rem; margin: 1.25rem 0 .5rem; }
.meta { color: var(--muted); margin: 0; }
.alert { color: #fff; background: var(--alert); padding: .5rem .75rem; border-radius: .25rem; }
.panels { display: grid; gap: 1rem; grid-template-columns: repeat(auto-fit, minmax(16rem, 1fr)); }
.panel { background: var(--panel); border: 1px solid var(--line); border-radius: .5rem; padding: .25rem 1rem .75rem; }
.panel h2 { margin-top: .5rem; }
dl { margin: 0; }
dl > div { display: flex; justify-content: space-between; gap: 1rem; padding: .2rem 0; border-bottom: 1px solid var(--line); }
dl > div:last-child { border-bottom: 0; }
dt { color: var(--muted); }
dd { margin: 0; font-weight: 600; font-variant-numeric: tabular-nums; text-align: right; }
.settings dd { font-weight: 400; overflow-wrap: anywhere; }
.scroll { overflow-x: auto; }
table { border-collapse: collapse; width: 100%; font-variant-numeric: tabular-nums; }
th, td { text-align: left; padding: .35rem .5rem; border-bottom: 1px solid var(--line); }
thead th { color: var(--muted); font-weight: 600; }
meter { width: 6rem; vertical-align: middle; }
.charts { display: grid; gap: 1rem; grid-template-columns: repeat(auto-fit, minmax(20rem, 1fr)); }
.chart { margin: 0; background: var(--bg); border: 1px solid var(--line); border-radius: .5rem; padding: .5rem; min-width: 0; }
.chart figcaption { font-weight: 600; margin-bottom: .25rem; }
.plot { width: 100%; min-height: 1rem; }
.plot .uplot { width: 100%; }
.summary { color: var(--muted); font-size: .875rem; margin: .25rem 0 0; }
:focus-visible { outline: 3px solid #1f4e9c; outline-offset: 2px; }
@media (max-width: 30rem) { body { padding: .5rem; } h1 { font-size: 1.25rem; } }
@media (prefers-reduced-motion: reduce) { * { transition: none !important; animation: none !important; } }
`;
