// Runs the benchmarks in bench/: every `NAME.bench.ts`, or the ones named on the command line
// (`npm run bench -- api`). Prints each result table and rewrites its section of docs/benchmarks.md.
import { readdirSync, readFileSync } from 'node:fs';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import os from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { markdownTable, textTable, upsertSection, type BenchReport, type Benchmark } from './lib/harness.ts';
import { foreignCores, sampleCpu } from './lib/cpu.ts';
import { Scope } from './lib/scope.ts';

const benchDir = dirname(fileURLToPath(import.meta.url));
const repoRoot = dirname(benchDir);
const docPath = join(repoRoot, 'docs', 'benchmarks.md');
const SUFFIX = '.bench.ts';

const started = performance.now();
const log = (line: string): void => {
  const seconds = ((performance.now() - started) / 1000).toFixed(1).padStart(6);
  process.stdout.write(`[${seconds}s] ${line}\n`);
};

async function main(argv: string[]): Promise<void> {
  const available = readdirSync(benchDir)
    .filter((file) => file.endsWith(SUFFIX))
    .map((file) => file.slice(0, -SUFFIX.length))
    .sort();
  const unknown = argv.filter((name) => !available.includes(name));
  if (unknown.length > 0) {
    throw new Error(`no benchmark named ${unknown.join(', ')} (there are: ${available.join(', ')})`);
  }
  const names = argv.length > 0 ? argv : available;
  const overrides = Object.entries(process.env)
    .filter(([variable]) => variable.startsWith('BENCH_'))
    .map(([variable, value]) => `${variable}=${value ?? ''} `)
    .join('');
  const niceness = os.getPriority();
  const groupNiceness = autogroupNiceness();
  const command =
    (groupNiceness !== 0 ? `echo ${groupNiceness} > /proc/self/autogroup; ` : '') +
    `${niceness !== 0 ? `nice -n ${niceness} ` : ''}${overrides}` +
    `npm run bench${argv.length > 0 ? ` -- ${argv.join(' ')}` : ''}`;

  const scope = new Scope(log);
  process.once('exit', () => {
    scope.closeNow();
  });
  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    process.once(signal, () => {
      log(`${signal}: stopping servers and removing temporary files`);
      void scope.close().finally(() => process.exit(130));
    });
  }

  const before = sampleCpu();
  await new Promise((resolve) => setTimeout(resolve, 1_000));
  const busy = foreignCores(before, sampleCpu());
  if (busy !== undefined) {
    log(
      `other processes use ${busy.toFixed(2)} cores` +
        (busy > 0.1 ? ': the machine is busy, so the numbers will be low and noisy' : ''),
    );
  }

  // One benchmark failing does not stop the others; the run still fails at the end.
  const failed: string[] = [];
  for (const name of names) {
    const benchStarted = performance.now();
    log(`benchmark ${name}`);
    let report: BenchReport;
    try {
      const benchmark = await loadBenchmark(join(benchDir, `${name}${SUFFIX}`));
      report = await benchmark({ repoRoot, scope, log });
    } catch (error) {
      log(`${name} failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`);
      failed.push(name);
      continue;
    } finally {
      await scope.close();
    }
    const took = (performance.now() - benchStarted) / 1000;
    process.stdout.write(`\n${report.title}\n\n${textTable(report.columns, report.rows)}\n\n`);
    await writeSection(name, report, command, took);
    log(`${name} took ${formatDuration(took)}; wrote its section of ${docPath}`);
  }
  if (failed.length > 0)
    throw new Error(`failed: ${failed.join(', ')} (their sections were left as they were)`);
}

async function loadBenchmark(file: string): Promise<Benchmark> {
  const module = (await import(pathToFileURL(file).href)) as { default?: unknown };
  if (typeof module.default !== 'function')
    throw new Error(`${file} must export a benchmark function as default`);
  return module.default as Benchmark;
}

async function writeSection(
  name: string,
  report: BenchReport,
  command: string,
  seconds: number,
): Promise<void> {
  const cpus = os.cpus();
  const machine = [
    `${os.availableParallelism()} cores (${cpus[0]?.model.trim() ?? 'unknown CPU'})`,
    `${(os.totalmem() / 2 ** 30).toFixed(1)} GiB`,
    osName(),
    `Node.js ${process.version}`,
  ].join(', ');
  const body = [
    `## ${report.title}`,
    `Measured ${new Date().toISOString().slice(0, 16).replace('T', ' ')} UTC with \`${command}\` ` +
      `(the run took ${formatDuration(seconds)}) on ${machine}.`,
    ...report.intro,
    markdownTable(report.columns, report.rows),
    ...report.notes,
  ].join('\n\n');
  let doc: string | undefined;
  try {
    doc = await readFile(docPath, 'utf8');
  } catch {
    doc = undefined;
  }
  await mkdir(dirname(docPath), { recursive: true });
  await writeFile(docPath, upsertSection(doc, name, body));
}

/**
 * The niceness of this session's scheduling group (Linux autogroups): raising it is how a run keeps
 * other sessions' processes on the same machine to the CPU it leaves idle, so it is part of the command.
 */
function autogroupNiceness(): number {
  try {
    return Number(/nice (-?\d+)/.exec(readFileSync('/proc/self/autogroup', 'utf8'))?.[1] ?? 0);
  } catch {
    return 0;
  }
}

function osName(): string {
  try {
    const release = readFileSync('/etc/os-release', 'utf8');
    return /^PRETTY_NAME="?([^"\n]+)"?$/m.exec(release)?.[1] ?? `${os.type()} ${os.release()}`;
  } catch {
    return `${os.type()} ${os.release()}`;
  }
}

function formatDuration(seconds: number): string {
  const whole = Math.round(seconds);
  const m = Math.floor(whole / 60);
  const s = whole % 60;
  return m > 0 ? `${m} min ${s} s` : `${s} s`;
}

main(process.argv.slice(2)).catch((error: unknown) => {
  process.stderr.write(`bench: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exitCode = 1;
});
