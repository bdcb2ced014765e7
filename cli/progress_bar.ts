/**
 * Shows a long call's `Progress`: on a terminal, a bar drawn in place by
 * cli-progress; otherwise plain lines on stderr (at most one a second, and
 * the last), so stdout carries the data alone.
 *
 * @module
 */

import cliProgressModule from "cli-progress";
import process from "node:process";
import type { Progress } from "../mod.ts";
import type { Terminal } from "./terminal.ts";

/** A progress display. */
export interface ProgressDisplay {
  /** Shows a snapshot. */
  update(progress: Progress): void;
  /** Ends the display (the bar stays on screen, as it last was). */
  stop(): void;
}

// The part of cli-progress used here, typed by hand: @types/cli-progress brings
// @types/node, whose globals clash with the web ones the module is checked against.
interface SingleBar {
  start(total: number, value: number, payload: Record<string, string>): void;
  setTotal(total: number): void;
  update(value: number, payload: Record<string, string>): void;
  render(): void;
  stop(): void;
}
const cliProgress = cliProgressModule as unknown as {
  SingleBar: new (options: Record<string, unknown>, preset: unknown) => SingleBar;
  Presets: Record<string, unknown>;
};

const MiB = 1024 * 1024;

/**
 * One line of what a snapshot says, after the bar: counts, size, rate, ETA,
 * the error budget, the group's tokens, and time waited for limits.
 *
 * @param p The snapshot.
 * @returns The line.
 */
export function describe(p: Progress): string {
  const parts = [
    `${p.done}/${p.total ?? "?"} ${p.unit}`,
    `${p.records} records`,
    `${(p.bytes / MiB).toFixed(1)} MiB`,
  ];
  if (p.elapsedMs > 0) parts.push(`${(p.bytes / MiB / (p.elapsedMs / 1000)).toFixed(1)} MiB/s`);
  if (p.failed) parts.push(`${p.failed} failed`);
  if (p.restarts) parts.push(`${p.restarts} restarts`);
  parts.push(p.finished ? "done" : `ETA ${p.etaMs === undefined ? "?" : seconds(p.etaMs)}`);
  if (p.errorLimit) parts.push(`${p.errorLimit.remain} errors left`);
  if (p.rateLimit) parts.push(`${p.rateLimit.group} ${p.rateLimit.remaining} tokens`);
  const last = p.waits.last;
  if (last) {
    const why = last.group ? `${last.limit} ${last.group}` : last.limit;
    parts.push(`waited ${seconds(p.waits.totalMs)} (${why})`);
  }
  return parts.join(" | ");
}

function seconds(ms: number): string {
  return `${(ms / 1000).toFixed(1)} s`;
}

/**
 * Opens a display for the terminal.
 *
 * @param term The terminal.
 * @returns The display.
 */
export function progressDisplay(term: Terminal): ProgressDisplay {
  return term.tty ? barDisplay() : lineDisplay();
}

function barDisplay(): ProgressDisplay {
  const bar = new cliProgress.SingleBar({
    format: "{bar} {info}",
    barsize: 24,
    hideCursor: true,
    clearOnComplete: false,
    linewrap: false,
    fps: 10,
    stream: process.stderr,
  }, cliProgress.Presets.shades_classic);
  let started = false;
  return {
    update(p) {
      const total = p.total ?? Math.max(p.done + 1, 1);
      if (!started) started = (bar.start(total, p.done, { info: describe(p) }), true);
      else {
        bar.setTotal(total);
        bar.update(p.done, { info: describe(p) });
      }
      if (p.finished) bar.render();
    },
    stop() {
      if (started) bar.stop();
    },
  };
}

// Hand-written: cli-progress's non-TTY mode prints on a timer, not on events,
// and would add a line after the end; plain lines need no library.
function lineDisplay(): ProgressDisplay {
  let last = -Infinity;
  let pending: Progress | undefined;
  const print = (p: Progress) => console.error(`esikit: ${describe(p)}`);
  return {
    update(p) {
      const now = performance.now();
      if (p.finished || now - last >= 1000) {
        last = now;
        pending = undefined;
        print(p);
      } else pending = p;
    },
    stop() {
      if (pending) print(pending);
    },
  };
}
