import { spawn, spawnSync } from 'node:child_process';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { ServerProcess } from './processes.ts';

const NGINX = '/usr/sbin/nginx';
const READY_TIMEOUT_MS = 20_000;

/** The nginx version line, e.g. "nginx/1.22.1". */
export function nginxVersion(): string {
  const out = spawnSync(NGINX, ['-v'], { encoding: 'utf8' });
  return /nginx\/[\d.]+/.exec(`${out.stdout}${out.stderr}`)?.[0] ?? 'nginx';
}

/**
 * nginx with one worker serving the files under `root` on a loopback port (sendfile on, no access
 * log): the reference for static delivery. Its config, pid and temporary folders live in `workDir`.
 *
 * @example const nginx = scope.track(await startNginx({ root, workDir, port }));
 */
export async function startNginx(opts: {
  root: string;
  workDir: string;
  port: number;
}): Promise<ServerProcess> {
  const conf = join(opts.workDir, 'nginx.conf');
  const temp = (name: string) => join(opts.workDir, name);
  await writeFile(
    conf,
    [
      'worker_processes 1;',
      // Started as root, nginx would serve as nobody, who cannot read the benchmark's private temporary folders.
      ...(process.getuid?.() === 0 ? ['user root;'] : []),
      'daemon off;',
      'master_process on;',
      `pid ${temp('nginx.pid')};`,
      `error_log ${temp('error.log')} warn;`,
      'events { worker_connections 1024; }',
      'http {',
      '  access_log off;',
      '  sendfile on;',
      '  tcp_nopush on;',
      '  keepalive_requests 1000000;',
      `  client_body_temp_path ${temp('body')};`,
      `  proxy_temp_path ${temp('proxy')};`,
      `  fastcgi_temp_path ${temp('fastcgi')};`,
      `  uwsgi_temp_path ${temp('uwsgi')};`,
      `  scgi_temp_path ${temp('scgi')};`,
      '  types { video/mp4 mp4; application/vnd.apple.mpegurl m3u8; }',
      `  server { listen 127.0.0.1:${opts.port}; root ${opts.root}; }`,
      '}',
      '',
    ].join('\n'),
  );
  const child = spawn(NGINX, ['-c', conf, '-p', opts.workDir], { stdio: ['ignore', 'ignore', 'pipe'] });
  let errors = '';
  child.stderr.on('data', (chunk: Buffer) => (errors += chunk.toString()));
  const exited = new Promise<void>((resolve) => {
    child.once('exit', () => {
      resolve();
    });
  });
  const running = () => child.exitCode === null && child.signalCode === null;
  const url = `http://127.0.0.1:${opts.port}`;
  const server: ServerProcess = {
    name: 'nginx',
    url,
    pid: child.pid,
    async close() {
      if (!running()) return;
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
      await exited;
      clearTimeout(timer);
    },
    closeNow() {
      if (running()) child.kill('SIGKILL');
    },
  };
  const deadline = Date.now() + READY_TIMEOUT_MS;
  for (;;) {
    if (!running())
      throw new Error(`nginx exited with ${String(child.exitCode ?? child.signalCode)}: ${errors}`);
    try {
      const res = await fetch(`${url}/`, { signal: AbortSignal.timeout(1_000) });
      await res.arrayBuffer();
      return server;
    } catch {
      // Not listening yet.
    }
    if (Date.now() > deadline) {
      server.closeNow();
      throw new Error(`nginx did not start within ${READY_TIMEOUT_MS} ms: ${errors}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}
