import type { Scope } from './scope.ts';

/** What every benchmark gets from bench/run.ts. */
export interface BenchContext {
  /** The repository's root folder. */
  repoRoot: string;
  /** Child processes, databases and folders started here are stopped and removed at the end, even on failure. */
  scope: Scope;
  /** A progress line on the terminal. */
  log(line: string): void;
}

/** A table of results and the Markdown around it; run.ts prints it and writes it into docs/benchmarks.md. */
export interface BenchReport {
  title: string;
  /** Markdown paragraphs before the table: what was measured, how. */
  intro: string[];
  columns: string[];
  rows: string[][];
  /** Markdown paragraphs after the table: verdicts, observations. */
  notes: string[];
}

/** A benchmark is the default export of a `bench/NAME.bench.ts` file. */
export type Benchmark = (ctx: BenchContext) => Promise<BenchReport>;

/** Columns padded to a common width, for the terminal; numbers (and dashes) align right. */
export function textTable(columns: string[], rows: string[][]): string {
  const widths = columns.map((c, i) => Math.max(c.length, ...rows.map((r) => (r[i] ?? '').length)));
  const right = columns.map((_, i) => rows.every((r) => /^[-\d.,%×<>~ ]*$/.test(r[i] ?? '')));
  const line = (cells: string[]) =>
    cells
      .map((cell, i) => (right[i] ? cell.padStart(widths[i] ?? 0) : cell.padEnd(widths[i] ?? 0)))
      .join('  ')
      .trimEnd();
  return [line(columns), widths.map((w) => '-'.repeat(w)).join('  '), ...rows.map(line)].join('\n');
}

/** A Markdown table with padded columns, so it also reads well as plain text. */
export function markdownTable(columns: string[], rows: string[][]): string {
  const widths = columns.map((c, i) => Math.max(3, c.length, ...rows.map((r) => (r[i] ?? '').length)));
  const right = columns.map((_, i) => rows.every((r) => /^[-\d.,%×<>~ ]*$/.test(r[i] ?? '')));
  const line = (cells: string[]) =>
    `| ${cells.map((cell, i) => (right[i] ? cell.padStart(widths[i] ?? 0) : cell.padEnd(widths[i] ?? 0))).join(' | ')} |`;
  const rule = `| ${widths.map((w, i) => (right[i] ? `${'-'.repeat(w - 1)}:` : '-'.repeat(w))).join(' | ')} |`;
  return [line(columns), rule, ...rows.map(line)].join('\n');
}

const DOC_HEADER = `# Benchmarks

Each section between \`<!-- bench:NAME start -->\` and \`<!-- bench:NAME end -->\` is written by
\`npm run bench\` (every benchmark in \`bench/\`) or \`npm run bench -- NAME\` (one of them), with the
machine, the date and the command that produced it. Write anything else outside those markers.
`;

/** Replaces the section of benchmark `name` in the document (or appends it), leaving the rest untouched. */
export function upsertSection(doc: string | undefined, name: string, body: string): string {
  const start = `<!-- bench:${name} start -->`;
  const end = `<!-- bench:${name} end -->`;
  const section = `${start}\n\n${body.trim()}\n\n${end}`;
  const text = doc ?? DOC_HEADER;
  const from = text.indexOf(start);
  const to = text.indexOf(end);
  if (from !== -1 && to > from) return text.slice(0, from) + section + text.slice(to + end.length);
  return `${text.trimEnd()}\n\n${section}\n`;
}
