import path from 'node:path';
import { parseArgs } from 'node:util';
import { Agent } from './agent.ts';
import { Spool } from './spool.ts';

const VERSION = '0.1.0';

const USAGE = `kino-capture: records any ffmpeg input and uploads it to Kino, surviving its own restart and server outages

  kino-capture record --server URL --key KEY --source SRC --duration SECONDS --title TITLE [--spool DIR]
  kino-capture run --server URL --key UPLOAD_KEY [--spool DIR] [--source SRC] [--name NAME]

--source: a device, an RTSP/SRT/HTTP URL, a file, or lavfi:GRAPH[;GRAPH] (test sources).
--spool: where segments and the queue wait for the server (default ./kino-capture-spool).`;

/** Progress bars on a terminal; plain log lines otherwise (a service's journal). */
function output() {
  const tty = process.stdout.isTTY;
  return {
    log: (line: string) => {
      process.stdout.write(tty ? `\r\x1b[K${line}\n` : `${new Date().toISOString()} ${line}\n`);
    },
    progress: (title: string, sent: number, total: number) => {
      if (tty) {
        const width = 30;
        const filled = total === 0 ? 0 : Math.round((sent / total) * width);
        process.stdout.write(
          `\r\x1b[K${title} [${'#'.repeat(filled)}${'-'.repeat(width - filled)}] ${sent}/${total} parts`,
        );
      } else {
        process.stdout.write(`${new Date().toISOString()} uploaded part ${sent}/${total} of "${title}"\n`);
      }
    },
  };
}

export async function main(argv: string[]): Promise<number> {
  const [command, ...rest] = argv;
  let values: Record<string, string | undefined>;
  try {
    values = parseArgs({
      args: rest,
      options: {
        server: { type: 'string' },
        key: { type: 'string' },
        source: { type: 'string' },
        duration: { type: 'string' },
        title: { type: 'string' },
        spool: { type: 'string' },
        name: { type: 'string' },
        heartbeat: { type: 'string' },
      },
      strict: true,
    }).values;
  } catch (err) {
    process.stderr.write(`${(err as Error).message}\n\n${USAGE}\n`);
    return 2;
  }
  if ((command !== 'record' && command !== 'run') || !values.server || !values.key) {
    process.stderr.write(`${USAGE}\n`);
    return 2;
  }
  const server = values.server.replace(/\/+$/, '');
  const spool = new Spool(path.resolve(values.spool ?? 'kino-capture-spool'));
  const out = output();
  const agent = new Agent(
    spool,
    { server, key: values.key },
    {
      defaultSource: values.source,
      name: values.name,
      version: VERSION,
      heartbeatMs: Number(values.heartbeat ?? 5) * 1000,
      log: out.log,
      progress: out.progress,
    },
  );
  const stop = () => {
    agent.stop();
  };
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
  try {
    if (command === 'record') {
      const seconds = Number(values.duration);
      if (!values.source || !values.title || !Number.isFinite(seconds) || seconds <= 0) {
        process.stderr.write(`record needs --source, --title and --duration (seconds)\n\n${USAGE}\n`);
        return 2;
      }
      const recording = agent.recordNow(values.title, values.source, seconds);
      await agent.loop(() => agent.completed(recording.id), false);
      if (agent.completed(recording.id)) out.log(`"${values.title}" is on the server`);
      return agent.completed(recording.id) ? 0 : 1;
    }
    await agent.loop(() => false, true);
    return 0;
  } finally {
    spool.close();
  }
}
