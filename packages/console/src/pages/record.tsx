import { useEffect, useRef, useState } from 'preact/hooks';
import { Link } from 'wouter-preact';
import { ApiError, getCsrfToken, post } from '../api/client.ts';
import { ErrorNote } from '../components/error-note.tsx';
import { PageHeader } from '../components/page-header.tsx';
import { formatClock } from '../lib/recording-format.ts';
import {
  closeStreams,
  openStreams,
  PartRecorder,
  tracksOf,
  watchLevel,
  type SourceChoice,
} from '../lib/recorder-session.ts';
import {
  forgetRecording,
  partsOf,
  pendingOf,
  recordedSecondsOf,
  saveRecording,
  unfinishedRecordings,
  updatePart,
  type StoredRecording,
} from '../lib/recorder-store.ts';
import { RecordingUploader } from '../lib/recording-uploader.ts';

type Phase =
  | { kind: 'idle' }
  | { kind: 'countdown'; left: number }
  | { kind: 'recording' }
  | { kind: 'finishing' }
  | { kind: 'finished'; mediaId: string; title: string };

const COUNTDOWN_SECONDS = 3;

/** One uploader per recording for the life of the page: chunks left by a crash are sent too. */
const uploaders = new Map<string, RecordingUploader>();
function uploaderFor(id: string, onChange: () => void): RecordingUploader {
  let uploader = uploaders.get(id);
  if (!uploader) {
    uploader = new RecordingUploader(id, getCsrfToken, onChange);
    uploaders.set(id, uploader);
  }
  return uploader;
}

/** What the server does not have yet, said the way a person checks it. */
function UploadState(props: { recordingId: string; tick: number }) {
  const [pending, setPending] = useState<{ seconds: number; bytes: number } | null>(null);
  const [online, setOnline] = useState(navigator.onLine);
  useEffect(() => {
    void pendingOf(props.recordingId).then(setPending);
    setOnline(navigator.onLine);
  }, [props.recordingId, props.tick]);
  if (!pending) return null;
  const seconds = Math.round(pending.seconds);
  const text =
    seconds === 0 && pending.bytes === 0
      ? 'Everything recorded is on the server'
      : `${Math.max(1, seconds)} s not yet on the server`;
  return (
    <p class="record-upload" role="status" aria-live="polite" data-pending-seconds={seconds}>
      {text}
      {online ? '' : ' — offline: kept in this browser and sent when the connection returns'}
    </p>
  );
}

/**
 * /record: records the camera, the screen or both in the browser. Every chunk (about a second)
 * is kept in IndexedDB until the server has it, so a crash, a closed tab or a lost network costs
 * at most the second being recorded; an unfinished recording can be resumed or finished later.
 */
export function RecordPage() {
  const [choice, setChoice] = useState<SourceChoice>('camera');
  const [title, setTitle] = useState('');
  const [phase, setPhase] = useState<Phase>({ kind: 'idle' });
  const [unfinished, setUnfinished] = useState<StoredRecording[]>([]);
  const [active, setActive] = useState<StoredRecording | null>(null);
  const [error, setError] = useState<ApiError | null>(null);
  const [level, setLevel] = useState(0);
  const [elapsed, setElapsed] = useState(0);
  const [tick, setTick] = useState(0);
  const preview = useRef<HTMLVideoElement>(null);
  const session = useRef<{
    streams: Map<string, MediaStream>;
    recorders: PartRecorder[];
    started: number;
    stopLevel: () => void;
  } | null>(null);
  const refresh = () => {
    setTick((t) => t + 1);
  };

  // Recordings this browser left unfinished (a crash, a closed tab): their recorders are gone, so
  // their parts are closed; what they stored is sent now.
  useEffect(() => {
    void (async () => {
      const left = await Promise.all(
        (await unfinishedRecordings()).map(async (r) => ({
          ...r,
          recordedSeconds: await recordedSecondsOf(r.id),
        })),
      );
      for (const recording of left) {
        for (const part of await partsOf(recording.id)) {
          if (!part.closed) await updatePart(part.key, { closed: true });
        }
        uploaderFor(recording.id, refresh).kick();
      }
      setUnfinished(left);
    })();
    const timer = setInterval(refresh, 1000);
    return () => {
      clearInterval(timer);
      if (session.current) {
        closeStreams(session.current.streams);
        session.current.stopLevel();
      }
    };
  }, []);

  useEffect(() => {
    if (phase.kind !== 'recording' || !session.current) return;
    const started = session.current.started;
    const timer = setInterval(() => {
      setElapsed((performance.now() - started) / 1000);
    }, 250);
    return () => {
      clearInterval(timer);
    };
  }, [phase.kind]);

  const fail = (err: unknown) => {
    setError(
      err instanceof ApiError
        ? err
        : new ApiError(0, 'recorder', err instanceof Error ? `${err.name}: ${err.message}` : String(err)),
    );
    setPhase({ kind: 'idle' });
  };

  /** Opens the sources, counts down, then records a new part of each track. */
  const record = async (stored: StoredRecording) => {
    setError(null);
    // The timer goes on from what this browser stored (a crash loses the chunk being recorded).
    const recording = { ...stored, recordedSeconds: await recordedSecondsOf(stored.id) };
    const streams = await openStreams(recording.tracks);
    const shown = streams.get('screen') ?? streams.get('camera');
    if (preview.current && shown) preview.current.srcObject = shown;
    const audio = streams.get('camera') ?? streams.get('audio');
    const stopLevel = audio ? watchLevel(audio, setLevel) : () => undefined;
    for (let left = COUNTDOWN_SECONDS; left > 0; left--) {
      setPhase({ kind: 'countdown', left });
      await new Promise((resolve) => setTimeout(resolve, 1000));
    }
    const uploader = uploaderFor(recording.id, refresh);
    const next = { ...recording, nextPart: { ...recording.nextPart } };
    const recorders: PartRecorder[] = [];
    for (const [track, stream] of streams) {
      const part = next.nextPart[track] ?? 0;
      next.nextPart[track] = part + 1;
      recorders.push(
        await PartRecorder.start(recording.id, track, part, stream, () => {
          uploader.kick();
        }),
      );
    }
    await saveRecording(next);
    session.current = { streams, recorders, started: performance.now(), stopLevel };
    setActive(next);
    setUnfinished((list) => list.filter((r) => r.id !== recording.id));
    setElapsed(0);
    setPhase({ kind: 'recording' });
  };

  const start = async () => {
    try {
      const created = await post<{ id: string; mediaId: string }>('/v1/recordings', {
        tracks: tracksOf(choice),
        ...(title.trim() ? { title: title.trim() } : {}),
      });
      const recording: StoredRecording = {
        id: created.id,
        mediaId: created.mediaId,
        title: title.trim() || 'Recording',
        tracks: tracksOf(choice),
        createdAt: Date.now(),
        recordedSeconds: 0,
        nextPart: {},
      };
      await saveRecording(recording);
      await record(recording);
    } catch (err) {
      fail(err);
    }
  };

  /** Sends whatever is left, then ends the recording on the server: it becomes one media. */
  const finish = async (recording: StoredRecording) => {
    setPhase({ kind: 'finishing' });
    setActive(recording);
    try {
      const uploader = uploaderFor(recording.id, refresh);
      await uploader.whenSent();
      await post(`/v1/recordings/${recording.id}/complete`);
      uploader.stop();
      await forgetRecording(recording.id);
      setUnfinished((list) => list.filter((r) => r.id !== recording.id));
      setPhase({ kind: 'finished', mediaId: recording.mediaId, title: recording.title });
    } catch (err) {
      fail(err);
    }
  };

  const stop = async () => {
    const current = session.current;
    if (!current || !active) return;
    session.current = null;
    setPhase({ kind: 'finishing' });
    await Promise.all(current.recorders.map((r) => r.stop()));
    current.stopLevel();
    closeStreams(current.streams);
    const done = { ...active, recordedSeconds: await recordedSecondsOf(active.id) };
    await saveRecording(done);
    uploaderFor(done.id, refresh).kick();
    await finish(done);
  };

  const recordingNow = phase.kind === 'recording' || phase.kind === 'countdown';
  return (
    <>
      <PageHeader
        title="Record"
        subtitle="Record your camera, your screen or both. Every second is kept in this browser until the server has it."
      />
      {unfinished.length > 0 && phase.kind === 'idle' ? (
        <section class="panel" aria-labelledby="unfinished-title">
          <h2 id="unfinished-title">Unfinished recording</h2>
          {unfinished.map((recording) => (
            <div class="record-unfinished" key={recording.id}>
              <p>
                <strong>{recording.title}</strong>{' '}
                <span class="muted">
                  started {new Date(recording.createdAt).toLocaleString()},{' '}
                  {formatClock(recording.recordedSeconds)} recorded
                </span>
              </p>
              <UploadState recordingId={recording.id} tick={tick} />
              <div class="form-actions">
                <button
                  type="button"
                  class="btn btn-primary"
                  onClick={() => void record(recording).catch(fail)}
                >
                  Resume recording
                </button>
                <button type="button" class="btn" onClick={() => void finish(recording)}>
                  Finish recording
                </button>
              </div>
            </div>
          ))}
        </section>
      ) : null}
      <section class="panel record-panel" aria-labelledby="recorder-title">
        <h2 id="recorder-title" class="visually-hidden">
          Recorder
        </h2>
        {phase.kind === 'idle' ? (
          <form
            class="form"
            onSubmit={(e) => {
              e.preventDefault();
              void start();
            }}
          >
            <fieldset class="checks">
              <legend>Record</legend>
              {(
                [
                  ['camera', 'Camera'],
                  ['screen', 'Screen'],
                  ['both', 'Camera and screen'],
                ] as const
              ).map(([value, label]) => (
                <label class="check" key={value}>
                  <input
                    type="radio"
                    name="source"
                    value={value}
                    checked={choice === value}
                    onChange={() => {
                      setChoice(value);
                    }}
                  />
                  {label}
                </label>
              ))}
            </fieldset>
            <label for="record-title">Title</label>
            <input
              id="record-title"
              value={title}
              placeholder="Lecture, demo, message…"
              onInput={(e) => {
                setTitle(e.currentTarget.value);
              }}
            />
            <ErrorNote error={error} />
            <button type="submit" class="btn btn-primary">
              Start recording
            </button>
          </form>
        ) : null}
        <div class="record-stage" hidden={!recordingNow}>
          <video ref={preview} class="record-preview" autoPlay muted playsInline aria-label="Preview" />
          {phase.kind === 'countdown' ? (
            <div class="record-countdown" role="status" aria-live="assertive">
              {phase.left}
            </div>
          ) : null}
        </div>
        {recordingNow ? (
          <div class="record-controls">
            <span class="record-dot" aria-hidden="true" />
            <span role="timer" aria-label="Recording time" class="record-timer">
              {formatClock((active?.recordedSeconds ?? 0) + (phase.kind === 'recording' ? elapsed : 0))}
            </span>
            <label class="record-level">
              Microphone level
              <meter min={0} max={1} low={0.05} high={0.85} optimum={0.4} value={level} />
            </label>
            <button
              type="button"
              class="btn btn-danger"
              disabled={phase.kind !== 'recording'}
              onClick={() => void stop()}
            >
              Stop recording
            </button>
          </div>
        ) : null}
        {active && (recordingNow || phase.kind === 'finishing') ? (
          <UploadState recordingId={active.id} tick={tick} />
        ) : null}
        {phase.kind === 'finishing' ? (
          <p role="status">Sending the last seconds and finishing the recording…</p>
        ) : null}
        {phase.kind === 'finished' ? (
          <div role="status">
            <p>
              <strong>{phase.title}</strong> is recorded: Kino is joining and processing it.
            </p>
            <p>
              <Link href={`/media/${phase.mediaId}`}>Open the recording</Link>
            </p>
            <button
              type="button"
              class="btn"
              onClick={() => {
                setActive(null);
                setTitle('');
                setPhase({ kind: 'idle' });
              }}
            >
              Record another
            </button>
          </div>
        ) : null}
      </section>
    </>
  );
}
