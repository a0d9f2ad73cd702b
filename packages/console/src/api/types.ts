/** The API's objects, as the console reads them (see /v1/openapi.json). */

export type Role = 'operator' | 'admin' | 'editor' | 'viewer';

export interface User {
  id: string;
  email: string;
  name: string;
  role: Role;
  tenantId: string | null;
  tenantName: string | null;
  status?: 'active' | 'invited' | 'disabled';
  createdAt?: string;
  lastLoginAt?: string | null;
}

export interface Session {
  user: User;
  csrfToken: string;
}

export type MediaStatus = 'waiting' | 'processing' | 'ready' | 'errored';
export type Visibility = 'public' | 'private';

export interface Playback {
  hls: string;
  dash: string;
  mp4: string | null;
  poster: string | null;
  storyboard: string | null;
  embed: string;
}

export interface Rendition {
  kind: 'video' | 'audio';
  width: number | null;
  height: number | null;
  bitrate: number | null;
  codec: string;
}

export interface Media {
  id: string;
  title: string;
  description: string;
  tags: string[];
  visibility: Visibility;
  status: MediaStatus;
  playable: boolean;
  durationSeconds: number | null;
  width: number | null;
  height: number | null;
  renditions: Rendition[];
  playback: Playback | null;
  error: { code: string; message: string } | null;
  createdAt: string;
  updatedAt: string;
}

export interface MediaProgress {
  status: MediaStatus;
  playable: boolean;
  percent: number | null;
  message: string | null;
}

export interface PlaybackToken {
  token: string;
  expiresAt: string;
  playback: Playback;
}

export type CaptionKind = 'captions' | 'subtitles';

export interface CaptionTrack {
  id: string;
  mediaId: string;
  language: string;
  label: string;
  kind: CaptionKind;
  default: boolean;
  source: 'upload' | 'extracted';
  cueCount: number;
  createdAt: string;
  updatedAt: string;
  url: string;
}

/** A cue of a caption track that matched a search. */
export interface SearchHit {
  trackId: string;
  language: string;
  startSeconds: number;
  endSeconds: number;
  text: string;
}

/** `GET /v1/search`: media best match first, each with its matching cues in time order. */
export interface CaptionSearch {
  results: { media: Media; hits: SearchHit[] }[];
}

export interface Page<T> {
  items: T[];
  nextCursor: string | null;
}

export interface ApiKey {
  id: string;
  tenantId: string;
  name: string;
  scope: 'full' | 'read' | 'upload';
  createdAt: string;
  lastUsedAt: string | null;
  revokedAt: string | null;
}

export const WEBHOOK_EVENTS = [
  'upload.completed',
  'media.playable',
  'media.ready',
  'media.errored',
  'media.captions.ready',
] as const;
export type WebhookEvent = (typeof WEBHOOK_EVENTS)[number];

export interface Webhook {
  id: string;
  url: string;
  description: string;
  events: WebhookEvent[];
  paused: boolean;
  pausedReason: string | null;
  createdAt: string;
  updatedAt: string;
}

export interface WebhookDelivery {
  id: string;
  eventId: string;
  type: string;
  state: 'pending' | 'retrying' | 'delivered' | 'dead';
  attempts: number;
  responseStatus: number | null;
  responseBody: string | null;
  durationMs: number | null;
  error: string | null;
  createdAt: string;
  updatedAt: string;
  deliveredAt: string | null;
}

export interface Tenant {
  id: string;
  name: string;
  createdAt: string;
}

export const JOB_STATES = ['available', 'running', 'retrying', 'succeeded', 'dead', 'cancelled'] as const;
export type JobState = (typeof JOB_STATES)[number];

export interface Job {
  id: string;
  type: string;
  tenantId: string | null;
  state: JobState;
  priority: number;
  attempt: number;
  maxAttempts: number;
  runAt: string;
  progress: { percent: number; message: string | null } | null;
  lastError: string | null;
  parentId: string | null;
  pendingChildren: number;
  createdAt: string;
  startedAt: string | null;
  finishedAt: string | null;
}

export interface Reachability {
  ok: boolean;
  latencyMs: number;
  error?: string;
}

export interface Worker {
  id: string;
  host: string;
  pid: number;
  roles: string[];
  startedAt: string;
  lastSeenAt: string;
  runningJobs: number;
  alive?: boolean;
}

export interface SystemHealth {
  database: Reachability;
  storage: Reachability;
  ffmpeg: { ok: boolean; version?: string };
  workers: Worker[];
  queue: {
    waiting: number;
    running: number;
    retrying: number;
    dead: number;
    oldestWaitingAt: string | null;
    oldestWaitingAgeSeconds: number | null;
  };
  failuresLastHour: number;
  warnings: { code: string; message: string }[];
  checkedAt?: string;
  checkedBy?: string;
}
