import os from 'node:os';
import { existsSync } from 'node:fs';
import { recordArgs, sessionSegments, startFfmpeg } from './ffmpeg-recorder.ts';
import type { LocalRecording, Schedule, Spool } from './spool.ts';
import { call, ServerAway, Uploader, type ServerConfig } from './uploader.ts';

export interface AgentOptions {
  /** The source recordings use when their schedule names none. */
  defaultSource?: string | undefined;
  name?: string | undefined;
  version: string;
  heartbeatMs: number;
  log: (line: string) => void;
  progress?: ((title: string, sent: number, total: number) => void) | undefined;
}

/** util-linux's setpriv: ffmpeg then dies with the agent, even by kill -9, and a restart never finds two writers. */
const SETPRIV = ['/usr/bin/setpriv', '/bin/setpriv'].find((f) => existsSync(f));

/**
 * The capture agent's loops: recordings (ffmpeg sessions into the spool, restarted after the
 * agent's own restart until the recording's end time), uploads (whenever the server answers, with
 * backoff while it does not), and for `run`, heartbeats that bring the schedules, kept locally.
 */
export class Agent {
  private readonly running = new Map<string, Promise<number | null>>();
  private readonly uploader: Uploader;
  private stopped = false;
  private wake: (() => void) | undefined;

  constructor(
    private readonly spool: Spool,
    private readonly config: ServerConfig,
    private readonly opts: AgentOptions,
  ) {
    this.uploader = new Uploader(spool, config, (recording, sent, total) => {
      opts.progress?.(recording.title, sent, total);
    });
  }

  stop(): void {
    this.stopped = true;
    this.wake?.();
  }

  /** A recording that starts now and lasts `seconds`, or the unfinished one a killed `record` left. */
  recordNow(title: string, source: string, seconds: number): LocalRecording {
    const left = this.spool.open().find((r) => r.schedule_id === null && r.title === title);
    if (left) {
      this.opts.log(`resuming "${title}" from the spool`);
      return left;
    }
    return this.spool.createRecording({
      title,
      source,
      endsAt: Date.now() + seconds * 1000,
      scheduleId: null,
    });
  }

  /** Records and uploads until `until` says to stop (checked once a second). */
  async loop(until: () => boolean, withHeartbeat: boolean): Promise<void> {
    let backoff = 1000;
    let nextUpload = 0;
    let nextBeat = 0;
    while (!this.stopped && !until()) {
      // Schedules first: a recording starts on time whether or not the server answers.
      this.startDueSchedules();
      this.tickRecordings();
      const now = Date.now();
      if (withHeartbeat && now >= nextBeat) {
        nextBeat = now + this.opts.heartbeatMs;
        await this.heartbeat().catch((err: unknown) => {
          this.opts.log(`heartbeat: ${(err as Error).message}`);
        });
      }
      if (now >= nextUpload) {
        try {
          await this.uploader.sendAll();
          backoff = 1000;
        } catch (err) {
          if (!(err instanceof ServerAway)) throw err;
          this.opts.log(`${err.message}; trying again in ${Math.round(backoff / 1000)} s`);
          nextUpload = Date.now() + backoff;
          backoff = Math.min(10_000, backoff * 2);
        }
      }
      // Wake up for the next schedule's start to the millisecond, or in a second.
      const nextStart = this.spool.nextScheduleStart(Date.now());
      const sleep = Math.max(10, Math.min(1000, (nextStart ?? Infinity) - Date.now()));
      await new Promise<void>((resolve) => {
        this.wake = resolve;
        setTimeout(resolve, sleep);
      });
    }
  }

  private tickRecordings(): void {
    for (const recording of this.spool.open()) {
      if (recording.status !== 'recording') continue;
      if (this.running.has(recording.id)) {
        // Finished segments of the running session go to the queue as soon as ffmpeg lists them.
        for (const file of sessionSegments(recording.dir, recording.sessions - 1, false)) {
          this.spool.addSegment(recording.id, file);
        }
        continue;
      }
      // Sessions that ended (here, or with a killed agent): every file they wrote, in order.
      for (let s = 0; s < recording.sessions; s++) {
        for (const file of sessionSegments(recording.dir, s, true)) this.spool.addSegment(recording.id, file);
      }
      const remaining = (recording.ends_at - Date.now()) / 1000;
      if (remaining < 0.5) {
        this.spool.update(recording.id, { status: 'recorded' });
        this.opts.log(`recorded "${recording.title}"`);
        continue;
      }
      const session = recording.sessions;
      this.spool.update(recording.id, { sessions: session + 1 });
      const args = recordArgs(recording.source, remaining, recording.dir, session);
      const { done } = SETPRIV
        ? startFfmpeg(args, [SETPRIV, '--pdeathsig', 'KILL', '--', 'ffmpeg'])
        : startFfmpeg(args);
      this.opts.log(
        `recording "${recording.title}" (session ${session + 1}, ${Math.round(remaining)} s left)`,
      );
      this.running.set(recording.id, done);
      void done.then(() => {
        this.running.delete(recording.id);
        this.wake?.();
      });
    }
  }

  private async heartbeat(): Promise<void> {
    let agentId = this.spool.meta('agent_id');
    if (!agentId) {
      const res = await call(this.config, 'POST', '/v1/capture-agents', {
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ name: this.opts.name ?? os.hostname() }),
      });
      if (res.status !== 201) throw new ServerAway(`registering the agent: ${res.status}`);
      agentId = ((await res.json()) as { id: string }).id;
      this.spool.setMeta('agent_id', agentId);
      this.opts.log(`registered as agent ${agentId}`);
    }
    const res = await call(this.config, 'POST', `/v1/capture-agents/${agentId}/heartbeat`, {
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ version: this.opts.version }),
    });
    if (!res.ok) throw new ServerAway(`heartbeat: ${res.status}`);
    const body = (await res.json()) as {
      nextSchedules: {
        id: string;
        title: string;
        startsAt: string;
        durationSeconds: number;
        source: string | null;
      }[];
    };
    const schedules: Schedule[] = body.nextSchedules.map((s) => ({
      id: s.id,
      title: s.title,
      starts_at: Date.parse(s.startsAt),
      duration_seconds: s.durationSeconds,
      source: s.source,
    }));
    this.spool.replaceSchedules(schedules);
  }

  private startDueSchedules(): void {
    for (const schedule of this.spool.dueSchedules(Date.now())) {
      const source = schedule.source ?? this.opts.defaultSource;
      if (!source) {
        this.opts.log(`schedule "${schedule.title}" names no source and the agent has no --source: skipped`);
        continue;
      }
      this.spool.createRecording({
        title: schedule.title,
        source,
        endsAt: schedule.starts_at + schedule.duration_seconds * 1000,
        scheduleId: schedule.id,
      });
      this.opts.log(`scheduled recording "${schedule.title}" starts`);
    }
  }

  /** Whether a recording is on the server, completed. */
  completed(id: string): boolean {
    return this.spool.recording(id)?.status === 'completed';
  }
}
