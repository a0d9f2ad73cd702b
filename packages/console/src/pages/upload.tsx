import Uppy, { type Meta } from '@uppy/core';
import Dashboard from '@uppy/dashboard';
import GoldenRetriever from '@uppy/golden-retriever';
import Tus from '@uppy/tus';
import '@uppy/core/css/style.min.css';
import '@uppy/dashboard/css/style.min.css';
import { useEffect, useRef, useState } from 'preact/hooks';
import { Link, useLocation, useSearch } from 'wouter-preact';
import { get, getCsrfToken, post } from '../api/client.ts';
import type { Media, Visibility } from '../api/types.ts';
import { ErrorNote } from '../components/error-note.tsx';
import { PageHeader } from '../components/page-header.tsx';
import { filledMetaFields } from '../lib/upload-meta.ts';
import { useAction, useResource } from '../lib/use-resource.ts';

interface UploadMeta extends Meta {
  title?: string;
  visibility?: Visibility;
  /** A waiting media this upload fills (resuming an upload that did not finish). */
  mediaId?: string;
}

interface Uploaded {
  name: string;
  mediaId: string;
}

/** Upload-Metadata keys Kino reads; Uppy's tus plugin also sends name and type as filename and filetype. */
const META_FIELDS = ['name', 'type', 'title', 'visibility', 'mediaId'];

/** Creates the Uppy instance: Dashboard (drag and drop, many files, pause/resume), tus, and resume after reload. */
function createUppy(
  target: HTMLElement,
  onUploaded: (item: Uploaded) => void,
  takeResume: () => Media | null,
) {
  const mediaIds = new Map<string, string>();
  const uppy = new Uppy<UploadMeta, Record<string, never>>({
    id: 'kino-upload',
    autoProceed: true,
    restrictions: {
      allowedFileTypes: ['video/*', 'audio/*', '.mp4', '.mov', '.mkv', '.webm', '.m4v', '.avi'],
    },
    meta: { visibility: 'private' },
  })
    .use(Dashboard, {
      target,
      inline: true,
      width: '100%',
      height: 420,
      proudlyDisplayPoweredByUppy: false,
      note: 'Video or audio files. Uploads resume after a dropped connection or a page reload.',
      metaFields: [{ id: 'title', name: 'Title', placeholder: 'From the file name when left empty' }],
    })
    .use(Tus, {
      endpoint: '/v1/uploads',
      // Read on every request: the token belongs to the session, which may have been renewed.
      headers: () => ({ 'X-CSRF-Token': getCsrfToken() }),
      allowedMetaFields: META_FIELDS,
      chunkSize: 8 * 1024 * 1024,
      retryDelays: [0, 1000, 3000, 5000, 10_000],
      onAfterResponse: (req, res) => {
        // Kino names the media an upload creates on the creation answer.
        const mediaId = res.getHeader('Kino-Media-Id');
        const location = res.getHeader('Location');
        if (req.getMethod() === 'POST' && mediaId && location) {
          mediaIds.set(new URL(location, new URL(req.getURL(), window.location.href)).href, mediaId);
        }
      },
    })
    .use(GoldenRetriever);
  // Each file's tus creation carries only the fields it has: no "undefined" title.
  uppy.addPreProcessor((fileIDs) => {
    for (const id of fileIDs) {
      const file = uppy.getFile(id);
      uppy.setFileState(id, {
        tus: { ...file.tus, allowedMetaFields: filledMetaFields(file.meta, META_FIELDS) },
      });
    }
    return Promise.resolve();
  });
  // A waiting media takes the next file added, only that one (setMeta would change every file).
  uppy.on('file-added', (file) => {
    const media = takeResume();
    if (media)
      uppy.setFileMeta(file.id, { mediaId: media.id, title: media.title, visibility: media.visibility });
  });
  uppy.on('upload-success', (file, response) => {
    const url = response.uploadURL ? new URL(response.uploadURL, window.location.href).href : '';
    // A resumed upload was created earlier (no creation answer now): its media is in its meta.
    const mediaId = mediaIds.get(url) ?? file?.meta.mediaId;
    if (file && mediaId) onUploaded({ name: file.meta.title || file.name || 'Untitled', mediaId });
  });
  return uppy;
}

function ImportFromUrl() {
  const [url, setUrl] = useState('');
  const [title, setTitle] = useState('');
  const [visibility, setVisibility] = useState<Visibility>('private');
  const action = useAction();
  const [, navigate] = useLocation();
  const submit = async (event: Event) => {
    event.preventDefault();
    const media = await action.run(() =>
      post<Media>('/v1/media', {
        input: { url },
        visibility,
        ...(title.trim() ? { title: title.trim() } : {}),
      }),
    );
    if (media) navigate(`/media/${media.id}`);
  };
  return (
    <form class="panel form" onSubmit={(e) => void submit(e)} aria-labelledby="import-title">
      <h2 id="import-title">Import from a URL</h2>
      <p class="muted">
        Kino fetches the file in the background (a presigned S3 URL works), then processes it.
      </p>
      <label for="import-url">File URL</label>
      <input
        id="import-url"
        type="url"
        required
        placeholder="https://…/talk.mp4"
        value={url}
        onInput={(e) => {
          setUrl(e.currentTarget.value);
        }}
      />
      <div class="form-row">
        <div>
          <label for="import-name">Title</label>
          <input
            id="import-name"
            value={title}
            onInput={(e) => {
              setTitle(e.currentTarget.value);
            }}
          />
        </div>
        <div>
          <label for="import-visibility">Visibility</label>
          <select
            id="import-visibility"
            value={visibility}
            onChange={(e) => {
              setVisibility(e.currentTarget.value as Visibility);
            }}
          >
            <option value="public">Public</option>
            <option value="private">Private</option>
          </select>
        </div>
      </div>
      <ErrorNote error={action.error} />
      <button type="submit" class="btn btn-primary" disabled={action.busy}>
        {action.busy ? 'Starting…' : 'Import'}
      </button>
    </form>
  );
}

/** Whether the browser has a network; uploads pause while it has none and go on when it is back. */
function useOnline(onChange: (online: boolean) => void): boolean {
  const [online, setOnline] = useState(() => navigator.onLine);
  useEffect(() => {
    const update = () => {
      setOnline(navigator.onLine);
      onChange(navigator.onLine);
    };
    window.addEventListener('online', update);
    window.addEventListener('offline', update);
    return () => {
      window.removeEventListener('online', update);
      window.removeEventListener('offline', update);
    };
  }, []);
  return online;
}

/** `?resume=med_…`: the waiting media whose unfinished upload the next file completes. */
function useResumeTarget(): Media | null {
  const id = new URLSearchParams(useSearch()).get('resume');
  const path = id ? `/v1/media/${encodeURIComponent(id)}` : null;
  const media = useResource(() => (path ? get<Media>(path) : Promise.resolve(null)), path ?? 'none');
  return media.data?.status === 'waiting' ? media.data : null;
}

/** Uploads through tus with Uppy, and imports from a URL. */
export function UploadPage() {
  const target = useRef<HTMLDivElement>(null);
  const uppy = useRef<ReturnType<typeof createUppy> | null>(null);
  const [visibility, setVisibility] = useState<Visibility>('private');
  const [uploaded, setUploaded] = useState<Uploaded[]>([]);
  const resume = useResumeTarget();
  // The next file fills the waiting media: tus resumes the bytes already sent when the browser
  // kept them, or sends the file again into the same media.
  const pendingResume = useRef<Media | null>(null);
  // Offline: running uploads pause (and wait), then go on from where they were once back online.
  const online = useOnline((now) => {
    if (now) {
      uppy.current?.resumeAll();
      uppy.current?.retryAll().catch(() => undefined);
    } else {
      uppy.current?.pauseAll();
    }
  });

  useEffect(() => {
    if (!target.current) return;
    const instance = createUppy(
      target.current,
      (item) => {
        setUploaded((list) => [item, ...list]);
      },
      () => {
        const media = pendingResume.current;
        pendingResume.current = null;
        return media;
      },
    );
    uppy.current = instance;
    return () => {
      instance.destroy();
      uppy.current = null;
    };
  }, []);
  useEffect(() => {
    uppy.current?.setMeta({ visibility });
  }, [visibility]);
  useEffect(() => {
    pendingResume.current = resume;
  }, [resume?.id]);

  return (
    <>
      <PageHeader
        title="Upload"
        subtitle="Drop files to upload them; they play as soon as the first rendition is ready."
      />
      <div class="upload-layout">
        <section class="panel" aria-labelledby="upload-files">
          <div class="panel-head">
            <h2 id="upload-files">Files</h2>
            <label class="inline-field">
              Visibility
              <select
                value={visibility}
                onChange={(e) => {
                  setVisibility(e.currentTarget.value as Visibility);
                }}
              >
                <option value="public">Public</option>
                <option value="private">Private</option>
              </select>
            </label>
          </div>
          {!online ? (
            <p class="note note-warn" role="status">
              <strong>You are offline.</strong> Uploads are paused and go on by themselves, from where they
              stopped, when the connection is back. Keep this page open.
            </p>
          ) : null}
          {resume ? (
            <p class="note" role="status">
              Finishing the upload of <strong>{resume.title || 'Untitled'}</strong>: choose the same file
              again. It continues where it stopped when this browser still knows it; otherwise it is sent
              again.
            </p>
          ) : null}
          <div ref={target} class="uppy-target" />
          {uploaded.length > 0 ? (
            <ul class="uploaded" aria-label="Uploaded">
              {uploaded.map((item) => (
                <li key={item.mediaId}>
                  <Link href={`/media/${item.mediaId}`}>{item.name}</Link> <span class="muted">uploaded</span>
                </li>
              ))}
            </ul>
          ) : null}
        </section>
        <ImportFromUrl />
      </div>
    </>
  );
}
