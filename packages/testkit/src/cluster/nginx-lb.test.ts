import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { loadBalancerConfig, NGINX } from './nginx-lb.ts';

describe('the load balancer configuration', () => {
  const dir = mkdtempSync(join(tmpdir(), 'kino-nginx-conf-'));
  afterAll(() => {
    rmSync(dir, { recursive: true, force: true });
  });
  const config = loadBalancerConfig({
    listen: '127.0.0.1:18080',
    upstreams: ['127.0.0.1:18081', '127.0.0.1:18082'],
    workDir: dir,
    workersAsRoot: process.getuid?.() === 0,
  });

  it('balances over every API process and passes the client address on', () => {
    expect(config).toContain('server 127.0.0.1:18081 max_fails=1 fail_timeout=5s;');
    expect(config).toContain('server 127.0.0.1:18082 max_fails=1 fail_timeout=5s;');
    expect(config).toContain('proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;');
  });

  it('retries only requests that never reached a process', () => {
    expect(config).toMatch(/proxy_next_upstream error timeout;/);
    expect(config).not.toMatch(/^\s*proxy_next_upstream [^;]*non_idempotent/m);
  });

  it('streams tus uploads through, without a body size limit of its own', () => {
    const uploads = /location \/v1\/uploads \{([^}]*)\}/.exec(config)?.[1] ?? '';
    expect(uploads).toContain('proxy_request_buffering off;');
    expect(uploads).toContain('proxy_buffering off;');
    expect(uploads).toContain('client_max_body_size 0;');
  });

  it('is a configuration nginx accepts', () => {
    const file = join(dir, 'nginx.conf');
    writeFileSync(file, config);
    const check = spawnSync(NGINX, ['-t', '-c', file, '-p', dir], { encoding: 'utf8' });
    expect(check.stderr).toContain('test is successful');
  });
});
