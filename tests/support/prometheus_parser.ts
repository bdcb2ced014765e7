// A strict parser of the Prometheus text exposition format, version 0.0.4, for tests: it
// throws on anything a Prometheus server would refuse, and on what the format leaves legal but
// a well-behaved exporter never writes (a sample before its TYPE, a family split in two,
// duplicate series, histogram buckets out of order or not matching _count).

/** One sample line. */
export interface ParsedSample {
  name: string;
  labels: Record<string, string>;
  value: number;
  /** 1-based line number. */
  line: number;
}

/** One metric family: its HELP, TYPE and samples. */
export interface ParsedFamily {
  name: string;
  type: "counter" | "gauge" | "histogram" | "summary" | "untyped";
  help?: string;
  samples: ParsedSample[];
}

const metricName = /^[a-zA-Z_:][a-zA-Z0-9_:]*$/;
const labelName = /^[a-zA-Z_][a-zA-Z0-9_]*$/;
const floatText = /^[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?$/;
const types = new Set(["counter", "gauge", "histogram", "summary", "untyped"]);

class ParseError extends Error {
  constructor(line: number, message: string) {
    super(`Line ${line}: ${message}`);
  }
}

/** Parses a float the way Prometheus does (Go's ParseFloat plus Inf/NaN spellings). */
export function parseFloatText(text: string): number | undefined {
  if (/^[+]?inf$/i.test(text)) return Infinity;
  if (/^-inf$/i.test(text)) return -Infinity;
  if (/^nan$/i.test(text)) return NaN;
  return floatText.test(text) ? Number(text) : undefined;
}

function unescape(text: string, allowed: string, line: number): string {
  let out = "";
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (c !== "\\") {
      out += c;
      continue;
    }
    const next = text[++i];
    if (next === undefined || !allowed.includes(next)) {
      throw new ParseError(line, `invalid escape "\\${next ?? ""}"`);
    }
    out += next === "n" ? "\n" : next;
  }
  return out;
}

function parseLabels(text: string, line: number): [Record<string, string>, number] {
  // text starts at "{"; returns the labels and the index after "}".
  const labels: Record<string, string> = {};
  let i = 1;
  const skip = () => {
    while (text[i] === " " || text[i] === "\t") i++;
  };
  skip();
  while (text[i] !== "}") {
    const nameMatch = /^[a-zA-Z_][a-zA-Z0-9_]*/.exec(text.slice(i));
    if (!nameMatch) throw new ParseError(line, `invalid label name at "${text.slice(i)}"`);
    const name = nameMatch[0];
    if (name.startsWith("__")) throw new ParseError(line, `reserved label name "${name}"`);
    if (name in labels) throw new ParseError(line, `label "${name}" repeated`);
    i += name.length;
    skip();
    if (text[i++] !== "=") throw new ParseError(line, `expected "=" after label "${name}"`);
    skip();
    if (text[i++] !== '"') throw new ParseError(line, `expected '"' for label "${name}"`);
    let raw = "";
    while (i < text.length && text[i] !== '"') {
      if (text[i] === "\\") raw += text[i++];
      raw += text[i++];
    }
    if (text[i++] !== '"') throw new ParseError(line, `unterminated value of label "${name}"`);
    labels[name] = unescape(raw, '\\"n', line);
    skip();
    if (text[i] === ",") {
      i++;
      skip();
    } else if (text[i] !== "}") {
      throw new ParseError(line, `expected "," or "}" after label "${name}"`);
    }
  }
  return [labels, i + 1];
}

function seriesKey(name: string, labels: Record<string, string>): string {
  return JSON.stringify([name, Object.entries(labels).sort(([a], [b]) => a < b ? -1 : 1)]);
}

/** The family a sample name belongs to, given the declared types. */
function familyOf(name: string, declared: Map<string, ParsedFamily>): string {
  if (declared.has(name)) return name;
  for (const suffix of ["_bucket", "_sum", "_count"]) {
    if (!name.endsWith(suffix)) continue;
    const base = name.slice(0, -suffix.length);
    const type = declared.get(base)?.type;
    if (type === "histogram" || (type === "summary" && suffix !== "_bucket")) return base;
  }
  return name;
}

/**
 * Parses an exposition strictly.
 *
 * @returns The families in order of appearance, by name.
 * @throws {Error} On the first violation, naming the line.
 */
export function parsePrometheus(text: string): Map<string, ParsedFamily> {
  if (text !== "" && !text.endsWith("\n")) {
    throw new Error("The exposition must end in a line feed");
  }
  const families = new Map<string, ParsedFamily>();
  const seenSeries = new Set<string>();
  const closed = new Set<string>();
  let current: string | undefined;
  const enter = (family: string, line: number) => {
    if (family === current) return;
    if (closed.has(family)) throw new ParseError(line, `family "${family}" appears twice`);
    if (current !== undefined) closed.add(current);
    current = family;
  };
  const lines = text.split("\n");
  lines.pop();
  lines.forEach((raw, index) => {
    const line = index + 1;
    if (raw.includes("\r")) throw new ParseError(line, "carriage return in line");
    const trimmed = raw.trim();
    if (trimmed === "") return;
    if (trimmed.startsWith("#")) {
      const m = /^#\s+(HELP|TYPE)\s+(\S+)(?:\s(.*))?$/.exec(trimmed);
      if (!m) return; // a plain comment
      const [, kind, name, rest = ""] = m;
      if (!metricName.test(name)) throw new ParseError(line, `invalid metric name "${name}"`);
      enter(name, line);
      let family = families.get(name);
      if (family?.samples.length) {
        throw new ParseError(line, `${kind} for "${name}" after its samples`);
      }
      if (kind === "HELP") {
        if (family?.help !== undefined) throw new ParseError(line, `second HELP for "${name}"`);
        const help = unescape(rest, "\\n", line);
        family ??= { name, type: "untyped", samples: [] };
        family.help = help;
        families.set(name, family);
      } else {
        const type = rest.trim();
        if (!types.has(type)) throw new ParseError(line, `unknown type "${type}"`);
        if (family && (family as { typed?: boolean }).typed) {
          throw new ParseError(line, `second TYPE for "${name}"`);
        }
        family ??= { name, type: "untyped", samples: [] };
        family.type = type as ParsedFamily["type"];
        (family as { typed?: boolean }).typed = true;
        families.set(name, family);
      }
      return;
    }
    const nameMatch = /^[a-zA-Z_:][a-zA-Z0-9_:]*/.exec(trimmed);
    if (!nameMatch) throw new ParseError(line, `invalid sample line "${trimmed}"`);
    const name = nameMatch[0];
    let rest = trimmed.slice(name.length);
    let labels: Record<string, string> = {};
    if (rest.startsWith("{")) {
      const [parsed, end] = parseLabels(rest, line);
      labels = parsed;
      rest = rest.slice(end);
    }
    if (!/^[ \t]/.test(rest)) throw new ParseError(line, `expected a space before the value`);
    const parts = rest.trim().split(/[ \t]+/);
    if (parts.length > 2) throw new ParseError(line, `trailing text "${parts.slice(2).join(" ")}"`);
    const value = parseFloatText(parts[0]);
    if (value === undefined) throw new ParseError(line, `invalid value "${parts[0]}"`);
    if (parts[1] !== undefined && !/^-?\d+$/.test(parts[1])) {
      throw new ParseError(line, `invalid timestamp "${parts[1]}"`);
    }
    const familyName = familyOf(name, families);
    enter(familyName, line);
    const family = families.get(familyName);
    if (!family || !(family as { typed?: boolean }).typed) {
      throw new ParseError(line, `sample "${name}" before a TYPE line for "${familyName}"`);
    }
    if (family.type === "histogram" && name === familyName) {
      throw new ParseError(line, `histogram "${familyName}" has a bare sample`);
    }
    if (name.endsWith("_bucket") && family.type === "histogram" && !("le" in labels)) {
      throw new ParseError(line, `bucket without "le"`);
    }
    if (family.type === "counter" && !(value >= 0)) {
      throw new ParseError(line, `counter "${name}" has value ${value}`);
    }
    for (const label of Object.keys(labels)) {
      if (!labelName.test(label)) throw new ParseError(line, `invalid label "${label}"`);
    }
    const key = seriesKey(name, labels);
    if (seenSeries.has(key)) {
      throw new ParseError(line, `duplicate series ${name}${JSON.stringify(labels)}`);
    }
    seenSeries.add(key);
    family.samples.push({ name, labels, value, line });
  });
  for (const family of families.values()) {
    delete (family as { typed?: boolean }).typed;
    if (family.type === "histogram") checkHistogram(family);
  }
  return families;
}

function checkHistogram(family: ParsedFamily): void {
  const groups = new Map<string, { buckets: [number, number][]; sum?: number; count?: number }>();
  for (const sample of family.samples) {
    const { le, ...rest } = sample.labels;
    const key = seriesKey("", rest);
    const group = groups.get(key) ?? { buckets: [] };
    groups.set(key, group);
    if (sample.name.endsWith("_bucket")) {
      const bound = parseFloatText(le);
      if (bound === undefined || Number.isNaN(bound)) {
        throw new ParseError(sample.line, `invalid le "${le}"`);
      }
      if (!Number.isInteger(sample.value) || sample.value < 0) {
        throw new ParseError(sample.line, `bucket count ${sample.value} is not a count`);
      }
      group.buckets.push([bound, sample.value]);
    } else if (sample.name.endsWith("_sum")) {
      group.sum = sample.value;
    } else {
      group.count = sample.value;
    }
  }
  for (const [key, group] of groups) {
    const where = `histogram "${family.name}" series ${key}`;
    for (let i = 1; i < group.buckets.length; i++) {
      const [prevLe, prevCount] = group.buckets[i - 1];
      const [le, count] = group.buckets[i];
      if (!(le > prevLe)) throw new Error(`${where}: buckets are not in ascending le order`);
      if (count < prevCount) throw new Error(`${where}: bucket counts decrease`);
    }
    const last = group.buckets.at(-1);
    if (!last || last[0] !== Infinity) throw new Error(`${where}: no le="+Inf" bucket`);
    if (group.count === undefined) throw new Error(`${where}: no _count`);
    if (group.sum === undefined) throw new Error(`${where}: no _sum`);
    if (group.count !== last[1]) {
      throw new Error(`${where}: _count ${group.count} differs from the +Inf bucket ${last[1]}`);
    }
  }
}

/** The value of one series, or undefined; `labels` must match exactly. */
export function sampleValue(
  families: Map<string, ParsedFamily>,
  name: string,
  labels: Record<string, string> = {},
): number | undefined {
  const want = seriesKey(name, labels);
  for (const family of families.values()) {
    for (const sample of family.samples) {
      if (seriesKey(sample.name, sample.labels) === want) return sample.value;
    }
  }
  return undefined;
}

/** Every sample of a name (a family's own, or a histogram's _bucket/_sum/_count). */
export function samplesOf(families: Map<string, ParsedFamily>, name: string): ParsedSample[] {
  return [...families.values()].flatMap((f) => f.samples.filter((s) => s.name === name));
}
