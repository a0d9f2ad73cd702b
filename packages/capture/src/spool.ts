import fs from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';

/** A recording the agent makes, kept until the server has all of it and completed it. */
export interface LocalRecording {
  id: string;
  title: string;
  source: string;
  /** When it ends (ms since the epoch): a restart records on until then. */
  ends_at: number;
  schedule_id: string | null;
  server_id: string | null;
  /** recording: ffmpeg runs or should; recorded: every segment is in the spool; completed: on the server. */
  status: 'recording' | 'recorded' | 'completed';
  /** Sessions of ffmpeg so far (a restart starts another). */
  sessions: number;
  dir: string;
}

/** One segment file: one part of the recording on the server. */
export interface Segment {
  recording_id: string;
  seq: number;
  file: string;
  size: number;
  upload_url: string | null;
  done: number;
}

export interface Schedule {
  id: string;
  title: string;
  starts_at: number;
  duration_seconds: number;
  source: string | null;
}

/**
 * The agent's spool: a folder of segment files and a SQLite queue saying what each one is and how
 * far its upload got. Everything the agent knows survives its own restart (and kill -9: SQLite's
 * journal keeps the file whole).
 */
export class Spool {
  readonly db: Database.Database;

  constructor(readonly dir: string) {
    fs.mkdirSync(dir, { recursive: true });
    this.db = new Database(path.join(dir, 'queue.sqlite'));
    this.db.pragma('journal_mode = WAL');
    this.db.exec(`
      CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
      CREATE TABLE IF NOT EXISTS recordings (
        id TEXT PRIMARY KEY, title TEXT NOT NULL, source TEXT NOT NULL, ends_at INTEGER NOT NULL,
        schedule_id TEXT UNIQUE, server_id TEXT, status TEXT NOT NULL, sessions INTEGER NOT NULL DEFAULT 0,
        dir TEXT NOT NULL, created_at INTEGER NOT NULL);
      CREATE TABLE IF NOT EXISTS segments (
        recording_id TEXT NOT NULL, seq INTEGER NOT NULL, file TEXT NOT NULL, size INTEGER NOT NULL,
        upload_url TEXT, done INTEGER NOT NULL DEFAULT 0, PRIMARY KEY (recording_id, seq));
      CREATE TABLE IF NOT EXISTS schedules (
        id TEXT PRIMARY KEY, title TEXT NOT NULL, starts_at INTEGER NOT NULL,
        duration_seconds INTEGER NOT NULL, source TEXT);
    `);
  }

  close(): void {
    this.db.close();
  }

  meta(key: string): string | undefined {
    return (this.db.prepare('SELECT value FROM meta WHERE key = ?').get(key) as { value: string } | undefined)
      ?.value;
  }

  setMeta(key: string, value: string): void {
    this.db
      .prepare(
        'INSERT INTO meta (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value',
      )
      .run(key, value);
  }

  createRecording(r: {
    title: string;
    source: string;
    endsAt: number;
    scheduleId: string | null;
  }): LocalRecording {
    const id = `loc_${Date.now().toString(36)}_${Math.random().toString(36).slice(2, 8)}`;
    const dir = path.join(this.dir, id);
    fs.mkdirSync(dir, { recursive: true });
    this.db
      .prepare(
        `INSERT INTO recordings (id, title, source, ends_at, schedule_id, status, dir, created_at)
         VALUES (?, ?, ?, ?, ?, 'recording', ?, ?)`,
      )
      .run(id, r.title, r.source, r.endsAt, r.scheduleId, dir, Date.now());
    return this.recording(id) as LocalRecording;
  }

  recording(id: string): LocalRecording | undefined {
    return this.db.prepare('SELECT * FROM recordings WHERE id = ?').get(id) as LocalRecording | undefined;
  }

  /** Recordings not completed on the server yet, oldest first. */
  open(): LocalRecording[] {
    return this.db
      .prepare("SELECT * FROM recordings WHERE status != 'completed' ORDER BY created_at")
      .all() as LocalRecording[];
  }

  hasScheduled(scheduleId: string): boolean {
    return this.db.prepare('SELECT 1 FROM recordings WHERE schedule_id = ?').get(scheduleId) !== undefined;
  }

  update(id: string, changes: Partial<Pick<LocalRecording, 'server_id' | 'status' | 'sessions'>>): void {
    for (const [key, value] of Object.entries(changes)) {
      if (!['server_id', 'status', 'sessions'].includes(key)) continue;
      this.db.prepare(`UPDATE recordings SET ${key} = ? WHERE id = ?`).run(value, id);
    }
  }

  /** Adds a finished segment file (once: a file seen twice keeps its first place). */
  addSegment(recordingId: string, file: string): void {
    const known = this.db
      .prepare('SELECT 1 FROM segments WHERE recording_id = ? AND file = ?')
      .get(recordingId, file);
    if (known) return;
    const size = fs.statSync(file).size;
    if (size === 0) return;
    const next = this.db
      .prepare('SELECT COALESCE(MAX(seq), -1) + 1 AS next FROM segments WHERE recording_id = ?')
      .get(recordingId) as { next: number };
    this.db
      .prepare('INSERT INTO segments (recording_id, seq, file, size) VALUES (?, ?, ?, ?)')
      .run(recordingId, next.next, file, size);
  }

  segments(recordingId: string): Segment[] {
    return this.db
      .prepare('SELECT * FROM segments WHERE recording_id = ? ORDER BY seq')
      .all(recordingId) as Segment[];
  }

  segmentUploaded(recordingId: string, seq: number, uploadUrl: string | null, done: boolean): void {
    this.db
      .prepare('UPDATE segments SET upload_url = ?, done = ? WHERE recording_id = ? AND seq = ?')
      .run(uploadUrl, done ? 1 : 0, recordingId, seq);
  }

  /** The schedules the server handed over, kept so they run while it is away. */
  replaceSchedules(schedules: Schedule[]): void {
    const replace = this.db.transaction((rows: Schedule[]) => {
      this.db.prepare('DELETE FROM schedules').run();
      const insert = this.db.prepare(
        'INSERT INTO schedules (id, title, starts_at, duration_seconds, source) VALUES (?, ?, ?, ?, ?)',
      );
      for (const s of rows) insert.run(s.id, s.title, s.starts_at, s.duration_seconds, s.source);
    });
    replace(schedules);
  }

  /** When the next schedule starts, after `now`. */
  nextScheduleStart(now: number): number | undefined {
    const row = this.db
      .prepare('SELECT MIN(starts_at) AS next FROM schedules WHERE starts_at > ?')
      .get(now) as {
      next: number | null;
    };
    return row.next ?? undefined;
  }

  /** Schedules running at `now` that no recording was made for yet. */
  dueSchedules(now: number): Schedule[] {
    return (this.db.prepare('SELECT * FROM schedules ORDER BY starts_at').all() as Schedule[]).filter(
      (s) => s.starts_at <= now && now < s.starts_at + s.duration_seconds * 1000 && !this.hasScheduled(s.id),
    );
  }
}
