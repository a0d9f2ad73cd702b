/**
 * Kino's OpenAPI document and the API types generated from it for the console, the player and the SDK.
 *
 *   node --import tsx scripts/api-types.ts           writes them (npm run api-types)
 *   node --import tsx scripts/api-types.ts --check   fails when a written file differs from what the
 *                                                    server's route schemas give (npm run api-types:check)
 *
 * The document comes from the server's code in this process, as `GET /v1/openapi.json` serves it:
 * a Kino with the API role on a throwaway SQLite file, no network and no worker.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import openapiTS, { astToString, COMMENT_HEADER, type OpenAPI3 } from 'openapi-typescript';
import prettier from 'prettier';
import { loadConfig } from '../packages/server/src/config/config.ts';
import { createKino } from '../packages/server/src/system/kino.ts';

const ROOT = fileURLToPath(new URL('..', import.meta.url));

export type Json = null | boolean | number | string | Json[] | { [key: string]: Json };

interface Output {
  /** Relative to the repository root. */
  file: string;
  /** The document, or the part of it that the file is generated from. */
  content: (doc: Record<string, Json>) => Promise<string>;
}

const REGENERATE = "Generated from the server's route schemas by `npm run api-types`: do not edit.";

const OUTPUTS: Output[] = [
  { file: 'packages/server/openapi.json', content: async (doc) => JSON.stringify(doc, null, 2) },
  { file: 'packages/console/src/api/openapi.gen.ts', content: (doc) => typesOf(doc) },
  // The player reads one route; its types stay small and free of the rest of the API.
  {
    file: 'packages/player/src/openapi.gen.ts',
    content: (doc) => typesOf(onlyPaths(doc, ['/embed/{id}/status'])),
  },
  { file: 'packages/sdk/src/openapi.gen.ts', content: (doc) => typesOf(doc) },
];

/** The OpenAPI document of every route of the API role, with its maps in a stable order. */
export async function openApiDocument(): Promise<Record<string, Json>> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'kino-openapi-'));
  try {
    // Only what the document is built from: no process.env, so every machine gets the same one.
    const config = {
      ...loadConfig({ KINO_DATA_DIR: dir, KINO_ROLES: 'api', KINO_LOG_LEVEL: 'silent' }),
      database: { kind: 'sqlite' as const, file: path.join(dir, 'kino.sqlite') },
    };
    const kino = await createKino(config, { operatorKey: 'api-types-operator-key-not-used' });
    try {
      return sorted(kino.app.swagger() as unknown as Json) as Record<string, Json>;
    } finally {
      await kino.close();
    }
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

/**
 * Object keys in code point order, so that moving a route or a schema in the server's code changes
 * nothing here. A schema's `properties` keep their order: it is the order the types list them in.
 */
function sorted(value: Json, keepOrder = false): Json {
  if (Array.isArray(value)) return value.map((item) => sorted(item));
  if (value === null || typeof value !== 'object') return value;
  const keys = Object.keys(value);
  if (!keepOrder) keys.sort();
  return Object.fromEntries(keys.map((key) => [key, sorted(value[key] ?? null, key === 'properties')]));
}

/** The document with only these paths and the component schemas they reach. */
function onlyPaths(doc: Record<string, Json>, keep: string[]): Record<string, Json> {
  const paths = doc.paths as Record<string, Json>;
  const schemas = ((doc.components as Record<string, Json> | undefined)?.schemas ?? {}) as Record<
    string,
    Json
  >;
  const kept: Record<string, Json> = {};
  for (const p of keep) {
    const item = paths[p];
    if (item === undefined) throw new Error(`the OpenAPI document has no path ${p}`);
    kept[p] = item;
  }
  const reached = new Set<string>();
  const visit = (value: Json): void => {
    if (Array.isArray(value)) value.forEach(visit);
    else if (value !== null && typeof value === 'object') {
      const ref = value.$ref;
      const name = typeof ref === 'string' ? /^#\/components\/schemas\/(.+)$/.exec(ref)?.[1] : undefined;
      if (name !== undefined && !reached.has(name)) {
        reached.add(name);
        visit(schemas[name] ?? null);
      }
      Object.values(value).forEach(visit);
    }
  };
  visit(kept);
  const components = Object.fromEntries(
    Object.keys(schemas)
      .filter((name) => reached.has(name))
      .map((name) => [name, schemas[name] ?? null]),
  );
  return { ...doc, paths: kept, components: { ...(doc.components as object), schemas: components } };
}

/** openapi-typescript's `paths` and `components` types of a document. */
async function typesOf(doc: Record<string, Json>): Promise<string> {
  // openapi-typescript resolves references in place: it gets a copy.
  const ast = await openapiTS(structuredClone(doc) as unknown as OpenAPI3, { silent: true });
  return `${COMMENT_HEADER}// ${REGENERATE}\n\n${astToString(ast)}`;
}

/** Each output's text, formatted as the repository's Prettier settings say (from `doc`, or the server's). */
export async function generate(doc?: Record<string, Json>): Promise<Map<string, string>> {
  doc ??= await openApiDocument();
  const texts = new Map<string, string>();
  for (const output of OUTPUTS) {
    const filepath = path.join(ROOT, output.file);
    const options = (await prettier.resolveConfig(filepath)) ?? {};
    texts.set(output.file, await prettier.format(await output.content(doc), { ...options, filepath }));
  }
  return texts;
}

/** The first line where two texts differ, for the message of a failed check. */
function firstDifference(written: string, expected: string): string {
  const a = written.split('\n');
  const b = expected.split('\n');
  const line = a.findIndex((text, i) => text !== b[i]);
  const at = line === -1 ? a.length : line;
  return `line ${at + 1}: written ${JSON.stringify(a[at] ?? '(end)')}, from the server ${JSON.stringify(b[at] ?? '(end)')}`;
}

async function main(argv: string[]): Promise<number> {
  const check = argv.includes('--check');
  const texts = await generate();
  let stale = 0;
  for (const [file, text] of texts) {
    const filepath = path.join(ROOT, file);
    const written = fs.existsSync(filepath) ? fs.readFileSync(filepath, 'utf8') : null;
    if (written === text) continue;
    if (check) {
      stale++;
      console.error(`${file}: ${written === null ? 'missing' : firstDifference(written, text)}`);
    } else {
      fs.writeFileSync(filepath, text);
      console.error(`wrote ${file}`);
    }
  }
  if (stale > 0) {
    console.error(
      `The server's OpenAPI document and the generated API types disagree (${stale} file(s)): run npm run api-types and commit the result.`,
    );
    return 1;
  }
  if (check) console.error('API types match the server.');
  return 0;
}

/** The outputs whose written file differs from `texts` (what `generate` gives). */
export function staleOutputs(texts: Map<string, string>): string[] {
  return [...texts]
    .filter(([file, text]) => {
      const filepath = path.join(ROOT, file);
      return !fs.existsSync(filepath) || fs.readFileSync(filepath, 'utf8') !== text;
    })
    .map(([file]) => file);
}

// Run as a script, not when a test imports the functions above.
if (process.argv[1] !== undefined && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  process.exitCode = await main(process.argv.slice(2));
}
