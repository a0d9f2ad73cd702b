#!/usr/bin/env node
import path from 'node:path';
import { parseArgs } from 'node:util';
import { Kino } from '../client.ts';
import { KinoApiError, KinoMediaError, KinoTimeoutError, KinoUploadError } from '../errors.ts';
import { loadCliConfig, UsageError } from './cli-config.ts';
import { uploadFiles } from './upload-command.ts';

const USAGE = `kino-upload: upload video to Kino, list media, print playback URLs

  kino-upload [--title T] [--visibility public|private] [--wait playable|ready] <file|folder>...
      uploads files (a folder: the media files in it, recursively), resumably: run the same
      command again after an interruption and it goes on where it stopped.
      Prints "<media id><TAB><file>" per file on stdout; progress on stderr.
  kino-upload list [--status waiting|processing|ready|errored] [--q TEXT] [--limit N]
      prints "<media id><TAB><status><TAB><title>" per media, newest first
  kino-upload url <media id> [--format hls|dash|mp4|embed] [--expires SECONDS]
      prints a playback URL carrying a fresh token (default: HLS, valid one hour)

The API key comes from KINO_API_KEY or "apiKey" in ~/.config/kino/config.json (never a flag);
the Kino URL from KINO_URL or "url" there (default http://localhost:8080). Resume state is kept in
uploads.json beside config.json ($KINO_CONFIG_DIR or $XDG_CONFIG_HOME/kino moves both).
`;

const oneOf = <T extends string>(
  value: string | undefined,
  allowed: readonly T[],
  flag: string,
): T | undefined => {
  if (value === undefined) return undefined;
  if (!(allowed as readonly string[]).includes(value))
    throw new UsageError(`${flag} must be one of ${allowed.join(', ')}`);
  return value as T;
};

const positiveInteger = (value: string | undefined, flag: string): number | undefined => {
  if (value === undefined) return undefined;
  if (!/^[1-9]\d*$/.test(value)) throw new UsageError(`${flag} must be a positive whole number`);
  return Number(value);
};

async function run(argv: string[]): Promise<void> {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      title: { type: 'string' },
      visibility: { type: 'string' },
      wait: { type: 'string' },
      status: { type: 'string' },
      q: { type: 'string' },
      limit: { type: 'string' },
      format: { type: 'string' },
      expires: { type: 'string' },
      help: { type: 'boolean', short: 'h' },
    },
  });
  if (values.help || positionals.length === 0) {
    process.stdout.write(USAGE);
    if (!values.help) throw new UsageError('nothing to do');
    return;
  }
  const config = loadCliConfig(process.env, (line) => process.stderr.write(`warning: ${line}\n`));
  const kino = new Kino({ baseUrl: config.baseUrl, apiKey: config.apiKey });
  const [command, ...rest] = positionals;

  if (command === 'list') {
    const limit = positiveInteger(values.limit, '--limit') ?? Infinity;
    const status = oneOf(values.status, ['waiting', 'processing', 'ready', 'errored'] as const, '--status');
    let printed = 0;
    for await (const media of kino.media.all({
      ...(status && { status }),
      ...(values.q !== undefined && { q: values.q }),
      limit: Math.min(limit, 100),
    })) {
      if (printed++ >= limit) break;
      process.stdout.write(`${media.id}\t${media.status}\t${media.title}\n`);
    }
    return;
  }

  if (command === 'url') {
    const [id] = rest;
    if (id === undefined || rest.length > 1) throw new UsageError('url takes one media id');
    const format = oneOf(values.format, ['hls', 'dash', 'mp4', 'embed'] as const, '--format') ?? 'hls';
    const expiresInSeconds = positiveInteger(values.expires, '--expires');
    const { playback } = await kino.media.playbackToken(id, {
      ...(expiresInSeconds !== undefined && { expiresInSeconds }),
    });
    const url = playback[format];
    if (!url)
      throw new KinoMediaError(
        id,
        'not_playable',
        `media ${id} has no ${format} URL yet (it is not playable)`,
      );
    process.stdout.write(`${url}\n`);
    return;
  }

  await uploadFiles(kino, {
    paths: positionals,
    ...(values.title !== undefined && { title: values.title }),
    ...(values.visibility !== undefined && {
      visibility: oneOf(values.visibility, ['public', 'private'] as const, '--visibility'),
    }),
    ...(values.wait !== undefined && { wait: oneOf(values.wait, ['playable', 'ready'] as const, '--wait') }),
    stateFile: path.join(config.configDir, 'uploads.json'),
  });
}

// Every upload's place is saved as soon as Kino has it, so Ctrl-C loses nothing: say how to go on.
process.once('SIGINT', () => {
  process.stderr.write('\nkino-upload: interrupted; run the same command again to resume\n');
  process.exit(130);
});

try {
  await run(process.argv.slice(2));
} catch (err) {
  if (
    err instanceof UsageError ||
    (err instanceof TypeError && 'code' in err && String(err.code).startsWith('ERR_PARSE_ARGS'))
  ) {
    process.stderr.write(`kino-upload: ${err.message}\n(kino-upload --help for usage)\n`);
    process.exitCode = 2;
  } else if (
    err instanceof KinoApiError ||
    err instanceof KinoUploadError ||
    err instanceof KinoMediaError ||
    err instanceof KinoTimeoutError
  ) {
    process.stderr.write(`kino-upload: ${err.message}\n`);
    process.exitCode = 1;
  } else {
    throw err;
  }
}
