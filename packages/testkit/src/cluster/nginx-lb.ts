import type { ChildProcess } from 'node:child_process';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { isRunning, type ProcessLog, spawnTied, terminate, waitForHttp } from './tied-process.ts';

export const NGINX = '/usr/sbin/nginx';

export interface LoadBalancerOptions {
  /** host:port nginx listens on. */
  listen: string;
  /** host:port of each Kino API process. */
  upstreams: readonly string[];
  /** Folder for the pid file, logs and request-body temporary files. */
  workDir: string;
  /** nginx started as root would serve as nobody, who cannot enter a private work folder. */
  workersAsRoot: boolean;
  /** A TCP balancer for RTMP publishers over the live processes (nginx's stream module). */
  rtmp?: { listen: string; upstreams: readonly string[] };
}

/** Debian ships the stream module apart (libnginx-mod-stream, see scripts/ensure-system-deps.sh). */
const STREAM_MODULE = '/usr/lib/nginx/modules/ngx_stream_module.so';

/**
 * RTMP publishers spread over the live processes. A publisher's connection stays with the process
 * that took it; one that reconnects after its process died goes to another, which continues the
 * broadcast from the database.
 */
function rtmpBalancer(rtmp: NonNullable<LoadBalancerOptions['rtmp']>): string {
  return `
stream {
  upstream kino_live {
${rtmp.upstreams.map((u) => `    server ${u} max_fails=1 fail_timeout=5s;`).join('\n')}
  }
  server {
    listen ${rtmp.listen};
    proxy_pass kino_live;
    proxy_connect_timeout 2s;
    proxy_timeout 60s;
  }
}
`;
}

/**
 * nginx's configuration for Kino's API processes: round robin; tus uploads streamed through in
 * both directions; a request retried on another process only when it never reached the first.
 */
export function loadBalancerConfig(o: LoadBalancerOptions): string {
  const path = (name: string) => join(o.workDir, name);
  return `# Kino behind nginx: written by Kino's cluster launcher.
${o.rtmp ? `load_module ${STREAM_MODULE};\n` : ''}worker_processes 1;
${o.workersAsRoot ? 'user root;\n' : ''}daemon off;
pid ${path('nginx.pid')};
error_log ${path('nginx-error.log')} warn;
events { worker_connections 4096; }

http {
  log_format kino '$remote_addr "$request" $status $request_time '
                  'upstream=$upstream_addr $upstream_status $upstream_response_time';
  access_log ${path('nginx-access.log')} kino buffer=32k flush=1s;
  client_body_temp_path ${path('body')};
  proxy_temp_path ${path('proxy')};
  fastcgi_temp_path ${path('fastcgi')};
  uwsgi_temp_path ${path('uwsgi')};
  scgi_temp_path ${path('scgi')};

  upstream kino_api {
    # Round robin. A process that refuses connections sits out for 5 s, then gets tried again.
${o.upstreams.map((u) => `    server ${u} max_fails=1 fail_timeout=5s;`).join('\n')}
    keepalive 64;
  }

  server {
    listen ${o.listen};
    # POST /v1/media takes form uploads of up to 100 MB.
    client_max_body_size 101m;

    proxy_http_version 1.1;
    proxy_set_header Connection "";
    proxy_set_header Host $http_host;
    # Kino trusts these from this proxy only (KINO_TRUST_PROXY): playback rules see the client.
    proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;
    proxy_set_header X-Forwarded-Proto $scheme;
    proxy_connect_timeout 2s;
    # Another process gets a request only when the first could not be reached or timed out. nginx
    # never passes on a POST or PATCH it has already sent (unless told "non_idempotent"): a tus
    # PATCH half-written to a dead process is answered 502, and the client asks the upload's
    # offset (HEAD) and resumes through a live process.
    proxy_next_upstream error timeout;
    proxy_next_upstream_tries 2;

    location / {
      proxy_pass http://kino_api;
    }

    location /v1/uploads {
      proxy_pass http://kino_api;
      # tus PATCH bodies stream to Kino as they arrive (no spooling to disk first), so the
      # offset Kino stored is what the client sent, and answers come back at once.
      proxy_request_buffering off;
      proxy_buffering off;
      # tus clients send a whole file in one PATCH unless told a chunk size; Kino checks the
      # declared Upload-Length against the tenant's limit and refuses bytes beyond it.
      client_max_body_size 0;
      proxy_send_timeout 120s;
      proxy_read_timeout 120s;
    }
  }
}
${o.rtmp ? rtmpBalancer(o.rtmp) : ''}`;
}

/** nginx running loadBalancerConfig in `workDir`, stopped with SIGTERM and killed if this process dies. */
export class LoadBalancer {
  private constructor(
    private readonly child: ChildProcess,
    readonly url: string,
    readonly configFile: string,
  ) {}

  static async start(o: LoadBalancerOptions & { log: ProcessLog; readyPath: string }): Promise<LoadBalancer> {
    await mkdir(o.workDir, { recursive: true });
    const configFile = join(o.workDir, 'nginx.conf');
    await writeFile(configFile, loadBalancerConfig(o));
    const child = spawnTied(NGINX, ['-c', configFile, '-p', o.workDir], { deathSignal: 'TERM', log: o.log });
    const lb = new LoadBalancer(child, `http://${o.listen}`, configFile);
    try {
      await waitForHttp(lb.url + o.readyPath, child, 'nginx', o.log);
    } catch (error) {
      await lb.stop();
      throw error;
    }
    return lb;
  }

  get pid(): number | undefined {
    return isRunning(this.child) ? this.child.pid : undefined;
  }

  /** SIGQUIT: finish requests in flight, then exit. */
  stop(graceMs = 10_000): Promise<void> {
    return terminate(this.child, 'SIGQUIT', graceMs);
  }
}
