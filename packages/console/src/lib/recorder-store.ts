import { openDB, type DBSchema, type IDBPDatabase } from 'idb';

/** A recording this browser started and has not finished yet. */
export interface StoredRecording {
  id: string;
  mediaId: string;
  title: string;
  tracks: string[];
  createdAt: number;
  /** Seconds recorded before this page's session (earlier parts), for the timer. */
  recordedSeconds: number;
  /** The part number the next recorder session of a track takes. */
  nextPart: Record<string, number>;
}

/** One part (one recorder session of one track) and how far its upload got. */
export interface StoredPart {
  key: string;
  recordingId: string;
  track: string;
  part: number;
  /** The tus upload's URL, once created. */
  uploadUrl: string | null;
  /** Bytes the server confirmed. */
  sent: number;
  /** Bytes recorded into chunks so far. */
  recorded: number;
  /** Seconds recorded into chunks so far. */
  seconds: number;
  /** The recorder of this part stopped (or died): its length can be declared once all is sent. */
  closed: boolean;
  /** The server knows the part's length: every byte is there. */
  done: boolean;
}

/** A MediaRecorder chunk, kept until the server has its bytes. */
export interface StoredChunk {
  partKey: string;
  /** The chunk's first byte within its part. */
  start: number;
  blob: Blob;
  /** Seconds of recording it holds (the recorder's timeslice). */
  seconds: number;
}

interface RecorderDb extends DBSchema {
  recordings: { key: string; value: StoredRecording };
  parts: { key: string; value: StoredPart; indexes: { byRecording: string } };
  chunks: { key: [string, number]; value: StoredChunk; indexes: { byPart: string } };
}

export const partKey = (recordingId: string, track: string, part: number) =>
  `${recordingId}/${track}/${part}`;

let opening: Promise<IDBPDatabase<RecorderDb>> | undefined;

/** The browser's store of unfinished recordings (IndexedDB), opened once per page. */
export function recorderDb(): Promise<IDBPDatabase<RecorderDb>> {
  opening ??= openDB<RecorderDb>('kino-recorder', 1, {
    upgrade(db) {
      db.createObjectStore('recordings', { keyPath: 'id' });
      db.createObjectStore('parts', { keyPath: 'key' }).createIndex('byRecording', 'recordingId');
      db.createObjectStore('chunks', { keyPath: ['partKey', 'start'] }).createIndex('byPart', 'partKey');
    },
  });
  return opening;
}

export async function saveRecording(recording: StoredRecording): Promise<void> {
  await (await recorderDb()).put('recordings', recording);
}

export async function unfinishedRecordings(): Promise<StoredRecording[]> {
  return (await recorderDb()).getAll('recordings');
}

export async function partsOf(recordingId: string): Promise<StoredPart[]> {
  const parts = await (await recorderDb()).getAllFromIndex('parts', 'byRecording', recordingId);
  return parts.sort((a, b) => a.track.localeCompare(b.track) || a.part - b.part);
}

export async function savePart(part: StoredPart): Promise<void> {
  await (await recorderDb()).put('parts', part);
}

/** Changes some fields of a part, read afresh in the same transaction (chunks may be counting into it). */
export async function updatePart(key: string, changes: Partial<StoredPart>): Promise<StoredPart | undefined> {
  const db = await recorderDb();
  const tx = db.transaction('parts', 'readwrite');
  const current = await tx.store.get(key);
  if (!current) return undefined;
  const updated = { ...current, ...changes };
  await Promise.all([tx.store.put(updated), tx.done]);
  return updated;
}

/** Stores a chunk and counts its bytes into its part, in one transaction: both or neither. */
export async function addChunk(part: StoredPart, blob: Blob, seconds: number): Promise<StoredPart> {
  const db = await recorderDb();
  const tx = db.transaction(['parts', 'chunks'], 'readwrite');
  const current = (await tx.objectStore('parts').get(part.key)) ?? part;
  const chunk: StoredChunk = { partKey: part.key, start: current.recorded, blob, seconds };
  const updated = { ...current, recorded: current.recorded + blob.size, seconds: current.seconds + seconds };
  await Promise.all([tx.objectStore('chunks').put(chunk), tx.objectStore('parts').put(updated), tx.done]);
  return updated;
}

/** A part's chunks not yet confirmed by the server, in order. */
export async function chunksOf(key: string): Promise<StoredChunk[]> {
  const chunks = await (await recorderDb()).getAllFromIndex('chunks', 'byPart', key);
  return chunks.sort((a, b) => a.start - b.start);
}

/** The server has the part's bytes up to `sent`: chunks wholly before it go. */
export async function confirmSent(key: string, sent: number): Promise<void> {
  const db = await recorderDb();
  const tx = db.transaction(['parts', 'chunks'], 'readwrite');
  const part = await tx.objectStore('parts').get(key);
  if (part) await tx.objectStore('parts').put({ ...part, sent: Math.max(part.sent, sent) });
  const chunks = await tx.objectStore('chunks').index('byPart').getAll(key);
  for (const chunk of chunks) {
    if (chunk.start + chunk.blob.size <= sent) await tx.objectStore('chunks').delete([key, chunk.start]);
  }
  await tx.done;
}

/** Seconds stored for a recording: its longest track's parts added up (what a resume goes on from). */
export async function recordedSecondsOf(recordingId: string): Promise<number> {
  const byTrack = new Map<string, number>();
  for (const part of await partsOf(recordingId)) {
    byTrack.set(part.track, (byTrack.get(part.track) ?? 0) + part.seconds);
  }
  return Math.max(0, ...byTrack.values());
}

/** Seconds and bytes recorded that the server does not have yet, over every part of a recording. */
export async function pendingOf(recordingId: string): Promise<{ seconds: number; bytes: number }> {
  let seconds = 0;
  let bytes = 0;
  for (const part of await partsOf(recordingId)) {
    for (const chunk of await chunksOf(part.key)) {
      seconds += chunk.seconds;
      bytes += chunk.blob.size;
    }
  }
  return { seconds, bytes };
}

/** Forgets a finished recording: its parts and any chunk left. */
export async function forgetRecording(recordingId: string): Promise<void> {
  const db = await recorderDb();
  const parts = await partsOf(recordingId);
  const tx = db.transaction(['recordings', 'parts', 'chunks'], 'readwrite');
  for (const part of parts) {
    for (const key of await tx.objectStore('chunks').index('byPart').getAllKeys(part.key)) {
      await tx.objectStore('chunks').delete(key);
    }
    await tx.objectStore('parts').delete(part.key);
  }
  await tx.objectStore('recordings').delete(recordingId);
  await tx.done;
}
