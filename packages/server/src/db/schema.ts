import type { Generated, Insertable, Selectable, Updateable } from 'kysely';

// Times are integer milliseconds since the epoch on both dialects: one comparison rule everywhere.

export interface TenantsTable {
  id: string;
  name: string;
  /** Largest upload or import accepted; null means the server default. */
  max_upload_bytes: Generated<number | null>;
  /** Originals (and uploads in progress) the tenant may keep, in bytes; null: no quota. */
  quota_storage_bytes: Generated<number | null>;
  /** Minutes of video the tenant may have processed; null: no quota. */
  quota_minutes: Generated<number | null>;
  /** Milliseconds of video processed so far (each publish of a full version counts). */
  processed_ms: Generated<number>;
  created_at: number;
  updated_at: number;
}

export type ApiKeyScope = 'full' | 'read' | 'upload';

export interface ApiKeysTable {
  id: string;
  tenant_id: string;
  name: string;
  scope: ApiKeyScope;
  /** sha256 of the secret part; the secret itself is never stored. */
  secret_hash: string;
  created_at: number;
  last_used_at: number | null;
  revoked_at: number | null;
}

export type MediaStatus = 'waiting' | 'processing' | 'ready' | 'errored';
export type Visibility = 'public' | 'private';

export interface MediaTable {
  id: string;
  tenant_id: string;
  title: string;
  description: string;
  /** JSON array of strings. */
  tags: string;
  visibility: Visibility;
  status: MediaStatus;
  playable: Generated<number>;
  duration_seconds: number | null;
  /** BCP 47 tag of the language spoken, for automatic captions (0019); null: the tenant's default. */
  language: Generated<string | null>;
  width: number | null;
  height: number | null;
  error_code: string | null;
  error_message: string | null;
  /** Storage key of the original, once it has fully arrived. */
  source_key: Generated<string | null>;
  source_size: Generated<number | null>;
  source_sha256: Generated<string | null>;
  source_filename: Generated<string | null>;
  /** Storage prefix of the published version ('media/<tenant>/<media>/<version>/'). */
  playback_prefix: Generated<string | null>;
  /** File under that prefix that lists what the version serves (PlaybackIndex JSON). */
  playback_index: Generated<string | null>;
  /** JSON summary of the published renditions, for the API. */
  renditions: Generated<string | null>;
  progress_percent: Generated<number | null>;
  /** 1: processing brings the sound to -16 LUFS (see processing/plan.ts withLoudness). */
  normalize_loudness: Generated<number>;
  /** Title, description and tags folded for search (media/media-search.ts). */
  search_text: Generated<string>;
  /** 1: a recording completed as it was after its client stopped sending (recordings/). */
  recovered: Generated<number>;
  /** The live stream whose broadcast this media is (live/). */
  live_stream_id: Generated<string | null>;
  /** A broadcast's state: 'active' while it runs (reconnects included), 'ended' after. */
  live_status: Generated<LiveStatus | null>;
  /** Where the original is (0024, media/lifecycle/original-tier.ts). */
  original_tier: Generated<OriginalTier>;
  /** When the original entered that tier; null: since the media was created. */
  original_tier_at: Generated<number | null>;
  created_at: number;
  updated_at: number;
}

/** `cooling` while it moves to the cold tier, `restoring` while the provider brings it back. */
export type OriginalTier = 'hot' | 'cooling' | 'cold' | 'restoring';

export type LiveStatus = 'active' | 'ended';
export type LiveStreamStatus = 'idle' | 'active' | 'reconnecting';

/** What an encoder publishes to; see migration 0016 and live/. */
export interface LiveStreamsTable {
  id: string;
  tenant_id: string;
  title: string;
  visibility: Visibility;
  latency: 'standard' | 'low';
  ladder: 'passthrough' | 'abr';
  reconnect_window_seconds: number;
  dvr_window_seconds: number;
  record: number;
  /** sha256 of the stream key's secret. */
  key_hash: string;
  enabled: number;
  status: LiveStreamStatus;
  active_media_id: string | null;
  /** While reconnecting: when the broadcast ends unless a publisher comes back. */
  reconnect_deadline: number | null;
  /** The live process that took the running publisher, and when it last said so. */
  owner: string | null;
  owner_seen_at: number | null;
  last_error_code: string | null;
  last_error_message: string | null;
  created_at: number;
  updated_at: number;
}

/** One publisher session of a broadcast; `tracks` is JSON (live/live-tracks.ts LiveTrack[]). */
export interface LivePeriodsTable {
  media_id: string;
  period: number;
  started_at: number;
  tracks: string;
}

export interface LiveSegmentsTable {
  media_id: string;
  /** The track's id within the broadcast ('video', 'audio'). */
  track: string;
  /** Per track, across periods: the segment's number in every playlist. */
  seq: number;
  period: number;
  duration_ms: number;
  /** When Kino received the segment's first frame (EXT-X-PROGRAM-DATE-TIME). */
  received_at: number;
  size: number;
}

export interface UploadsTable {
  /** The tus upload id, also the storage key of its bytes. */
  id: string;
  tenant_id: string;
  media_id: string;
  size: number;
  filename: string | null;
  created_at: number;
  completed_at: number | null;
}

export type RecordingStatus = 'recording' | 'joining' | 'completed' | 'failed';

/** A recording sent in parts per track (recordings/); its media waits until the parts are joined. */
export interface RecordingsTable {
  id: string;
  tenant_id: string;
  media_id: string;
  status: RecordingStatus;
  /** JSON array of track names ("camera", "screen", "audio"). */
  tracks: string;
  recovered: Generated<number>;
  /** The capture agent that records it, when one does. */
  agent_id: string | null;
  created_at: number;
  /** When a byte of any part last arrived (or the recording was created). */
  last_byte_at: number;
  completed_at: number | null;
}

/** One part of one track of a recording: a tus upload (deferred length allowed). */
export interface RecordingPartsTable {
  upload_id: string;
  recording_id: string;
  tenant_id: string;
  track: string;
  part: number;
  /** The declared length once known. */
  size: number | null;
  created_at: number;
  completed_at: number | null;
}

export interface CaptureAgentsTable {
  id: string;
  tenant_id: string;
  name: string;
  created_at: number;
  last_seen_at: number | null;
  agent_version: string | null;
}

export interface CaptureSchedulesTable {
  id: string;
  tenant_id: string;
  agent_id: string;
  title: string;
  starts_at: number;
  duration_seconds: number;
  source: string | null;
  created_at: number;
}

/** A tus upload being written by one request of one process, for a lease it renews. */
export interface UploadLocksTable {
  upload_id: string;
  owner: string;
  expires_at: number;
  release_requested: Generated<number>;
}

/** A one-time direct upload URL; only its token's sha256 is kept. */
export interface UploadUrlsTable {
  id: string;
  tenant_id: string;
  media_id: string;
  token_hash: string;
  max_size_bytes: number;
  allowed_origin: string | null;
  expires_at: number;
  created_at: number;
  upload_id: string | null;
}

export type JobState = 'available' | 'running' | 'retrying' | 'succeeded' | 'dead' | 'cancelled';

export interface JobsTable {
  id: string;
  type: string;
  /** JSON of the payload, validated by the job type's schema on enqueue and on claim. */
  payload: string;
  tenant_id: string | null;
  /** Lower runs sooner. */
  priority: number;
  state: JobState;
  /** Attempts started so far, this one included while running. */
  attempt: number;
  max_attempts: number;
  timeout_ms: number;
  run_at: number;
  lease_owner: string | null;
  lease_expires_at: number | null;
  progress_percent: number | null;
  progress_message: string | null;
  last_error: string | null;
  idempotency_key: string | null;
  parent_id: string | null;
  /** Children not yet finished; a parent is claimable only at zero (fan-out, then join). */
  pending_children: number;
  created_at: number;
  updated_at: number;
  started_at: number | null;
  finished_at: number | null;
}

export interface JobTenantTurnsTable {
  /** The tenant id, or '' for jobs without a tenant. */
  tenant_key: string;
  last_claimed_at: number;
}

export interface JobSchedulesTable {
  name: string;
  last_slot: number;
}

export interface WorkersTable {
  id: string;
  hostname: string;
  pid: number;
  roles: string;
  concurrency: number;
  started_at: number;
  last_seen_at: number;
  stopped_at: number | null;
}

export interface SigningKeysTable {
  id: string;
  secret: string;
  created_at: number;
  retired_at: number | null;
}

export interface TenantPlaybackRulesTable {
  tenant_id: string;
  /** JSON of the tenant's PlaybackRules (tenants/playback-rules.ts). */
  rules: string;
  updated_at: number;
}

export type WebhookDeliveryState = 'pending' | 'retrying' | 'delivered' | 'dead';

export interface WebhookEndpointsTable {
  id: string;
  tenant_id: string;
  url: string;
  description: string;
  /** JSON array of event types; an empty array means every type. */
  events: string;
  /** Kept as is because deliveries are signed with it; never logged, never returned after creation. */
  secret: string;
  paused: number;
  paused_reason: string | null;
  /** When the current run of failed attempts began; null after a success. */
  failing_since: number | null;
  consecutive_dead: number;
  created_at: number;
  updated_at: number;
}

/** The event outbox (events/): written with the change it announces, dispatched after. */
export interface EventsTable {
  id: string;
  tenant_id: string;
  type: string;
  /** The exact JSON body every delivery of the event sends. */
  body: string;
  created_at: number;
  dispatched_at: number | null;
}

export interface WebhookDeliveriesTable {
  id: string;
  tenant_id: string;
  endpoint_id: string;
  event_id: string;
  event_type: string;
  /** The exact JSON body sent on every attempt. */
  body: string;
  state: WebhookDeliveryState;
  attempts: number;
  response_status: number | null;
  response_body: string | null;
  duration_ms: number | null;
  error: string | null;
  created_at: number;
  updated_at: number;
  delivered_at: number | null;
}

/** `operator` users belong to no tenant; the others are members of one. */
export type UserRole = 'admin' | 'editor' | 'viewer' | 'operator';
export type TenantUserRole = Exclude<UserRole, 'operator'>;

export interface UsersTable {
  id: string;
  tenant_id: string | null;
  /** Lower-cased: unique per tenant (and among operator users) without regard to case. */
  email: string;
  name: string;
  role: UserRole;
  /** scrypt with its parameters and salt (users/password.ts); null until an invite is accepted. */
  password_hash: string | null;
  created_at: number;
  updated_at: number;
  last_login_at: number | null;
  disabled_at: number | null;
}

export interface SessionsTable {
  id: string;
  /** sha256 of the cookie's secret; the secret itself is never stored. */
  secret_hash: string;
  user_id: string;
  csrf_token: string;
  created_at: number;
  last_seen_at: number;
  /** The absolute end; an idle session ends sooner (users/session-policy.ts). */
  expires_at: number;
  revoked_at: number | null;
}

export interface InvitesTable {
  id: string;
  /** sha256 of the token in the invite URL. */
  token_hash: string;
  user_id: string;
  created_at: number;
  expires_at: number;
  accepted_at: number | null;
}

export interface LoginThrottleTable {
  /** sha256 of 'email:<address>' or 'ip:<client address>'. */
  key: string;
  failures: number;
  window_started_at: number;
}

/** One-time codes of the first run (first administrator), stored as their SHA-256. */
/** An LMS registered as an LTI 1.3 platform of a tenant (lti/). */
export interface LtiPlatformsTable {
  id: string;
  tenant_id: string;
  issuer: string;
  client_id: string;
  /** JSON array of the deployment ids Kino accepts from this platform. */
  deployment_ids: string;
  auth_login_url: string;
  jwks_url: string;
  access_token_url: string | null;
  created_at: number;
  updated_at: number;
}

/** Kino's own LTI signing keys (JWK JSON); published at /lti/jwks until retired for a while. */
export interface LtiToolKeysTable {
  id: string;
  private_jwk: string;
  public_jwk: string;
  created_at: number;
  retired_at: number | null;
}

/** An LTI login initiation waiting for its launch: the state and nonce Kino sent, kept here (no cookie). */
export interface LtiLoginStatesTable {
  state: string;
  platform_id: string;
  nonce: string;
  target_link_uri: string;
  /** The platform frame that keeps the state client-side (LTI postMessage storage), when offered. */
  storage_target: string | null;
  created_at: number;
  expires_at: number;
  used_at: number | null;
}

/** One accepted LTI launch, with its course context (for analytics by course). */
export interface LtiLaunchesTable {
  id: string;
  tenant_id: string;
  platform_id: string;
  deployment_id: string;
  message_type: string;
  user_sub: string;
  /** 'admin' | 'instructor' | 'learner' (lti/lti-roles.ts). */
  role: string;
  context_id: string | null;
  context_title: string | null;
  resource_link_id: string | null;
  media_id: string | null;
  created_at: number;
}

/** A Deep Linking request whose picker is open: where and how to answer the platform. */
export interface LtiDeepLinksTable {
  id: string;
  /** sha256 of the secret in the picker's URL. */
  secret_hash: string;
  tenant_id: string;
  platform_id: string;
  deployment_id: string;
  return_url: string;
  data: string | null;
  role: string;
  context_id: string | null;
  created_at: number;
  expires_at: number;
  used_at: number | null;
}

/** A tenant's single sign-on settings: JSON of sso/sso-settings.ts (client secrets included). */
export interface TenantSsoTable {
  tenant_id: string;
  oidc: string | null;
  saml: string | null;
  updated_at: number;
}

/** A sign-in sent to an identity provider, found again by its state (OIDC) or RelayState (SAML). */
export interface SsoRequestsTable {
  state: string;
  tenant_id: string;
  protocol: 'oidc' | 'saml';
  nonce: string | null;
  code_verifier: string | null;
  saml_request_id: string | null;
  created_at: number;
  expires_at: number;
  used_at: number | null;
}

export interface SetupCodesTable {
  code_hash: string;
  created_at: number;
  /** Set on every code when the first administrator is created. */
  used_at: number | null;
}

/** A tenant's Zoom app (Server-to-Server OAuth); the secrets are sealed (zoom/secret-box.ts). */
export interface ZoomConnectionsTable {
  tenant_id: string;
  account_id: string;
  client_id: string;
  client_secret_sealed: string;
  webhook_secret_sealed: string;
  /** JSON ZoomRules (zoom/zoom-rules.ts). */
  rules: string;
  created_at: number;
  updated_at: number;
}

/** A Zoom recording file imported as a media: the same file id never makes a second media. */
export interface ZoomRecordingsTable {
  tenant_id: string;
  recording_file_id: string;
  media_id: string;
  meeting_uuid: string;
  meeting_id: string;
  topic: string;
  host_email: string | null;
  /** As Zoom wrote it (ISO 8601, UTC). */
  start_time: string | null;
  created_at: number;
}

/** Zoom webhook requests accepted, by the hash of their signature, kept while their timestamp is fresh. */
export interface ZoomWebhookReceiptsTable {
  tenant_id: string;
  signature_hash: string;
  received_at: number;
}

export type CaptionKind = 'captions' | 'subtitles';
export type CaptionSource = 'upload' | 'extracted' | 'asr';
/** draft: seen by editors only (not by viewers, players or search) until published. */
export type CaptionStatus = 'draft' | 'published';
export type AutoCaptions = 'off' | 'draft' | 'publish';

/** A tenant's automatic captions setting and default spoken language (0019). */
export interface TenantCaptionSettingsTable {
  tenant_id: string;
  auto_captions: AutoCaptions;
  language: string;
  updated_at: number;
}

export interface CaptionTracksTable {
  id: string;
  tenant_id: string;
  media_id: string;
  /** BCP 47 tag, canonical case (`en-US`). */
  language: string;
  label: string;
  kind: CaptionKind;
  /** 1 for the media's one default track. */
  is_default: number;
  source: CaptionSource;
  /** For extracted tracks: which subtitle stream of the source (0-based). */
  source_stream: number | null;
  /** Goes up with every content change; part of the storage key and of playback URLs. */
  revision: number;
  /** The normalised WebVTT file. */
  storage_key: string;
  cue_count: number;
  created_at: number;
  updated_at: number;
  status: Generated<CaptionStatus>;
  /** For source asr: the engine and model that made it. */
  engine: Generated<string | null>;
  model: Generated<string | null>;
}

/** One row per cue, for search (the files themselves are in storage). */
export interface CaptionCuesTable {
  id: Generated<number>;
  track_id: string;
  tenant_id: string;
  media_id: string;
  start_ms: number;
  end_ms: number;
  /** The cue's words without markup. */
  text: string;
  /** `text` case-folded by Kino; the indexed column. */
  search_text: string;
}

export interface IdempotencyKeysTable {
  /** 'tenant:<id>' or 'operator'. */
  scope: string;
  key: string;
  tenant_id: string | null;
  request_hash: string;
  /** Null while the first request is being answered. */
  status_code: number | null;
  content_type: string | null;
  response_body: string | null;
  created_at: number;
}

export type TenantKeyAlgorithm = 'RS256' | 'ES256';

/** A tenant's public key for playback tokens it signs itself (JWT). */
export interface TenantSigningKeysTable {
  /** The `kid` of the tokens it verifies. */
  id: string;
  tenant_id: string;
  name: string;
  algorithm: TenantKeyAlgorithm;
  public_key_pem: string;
  created_at: number;
  revoked_at: number | null;
}

/** One view (analytics/): folded from its player's beacons; see docs/analytics.md for the metrics. */
export interface AnalyticsViewsTable {
  /** The view id the player drew. */
  id: string;
  tenant_id: string;
  media_id: string;
  /** When Kino received the view's first beacon. */
  started_at: number;
  updated_at: number;
  beacon_count: number;
  player: string;
  browser: string;
  os: string;
  /** ISO 3166 code, only when the operator configured an IP-to-country database. */
  country: string | null;
  play_requested: number;
  /** Times ending in _t are the player's clock: milliseconds since the view began. */
  play_request_t: number | null;
  startup_ms: number | null;
  /** The startup time's bucket in the mergeable histogram (analytics/latency-histogram.ts). */
  startup_bucket: number | null;
  playing_ms: number;
  rebuffer_count: number;
  rebuffer_ms: number;
  rebuffer_open_t: number | null;
  seek_count: number;
  rendition_switches: number;
  /** Sum of bitrate (kbit/s) times milliseconds played at it: the average bitrate's numerator. */
  bitrate_kbps_ms: number;
  current_bitrate: number | null;
  /** JSON array of the renditions played ("1280x720@2500000"). */
  renditions: string;
  error_code: string | null;
  error_message: string | null;
  error_fatal: number;
  failed_before_start: number;
  ended: number;
  last_t: number;
  cmcd_requests: number;
  cmcd_throughput_kbps: number | null;
  cmcd_top_bitrate_kbps: number | null;
}

/**
 * Views of one tenant and hour (the hour they started in), summed (analytics/rollups): per media,
 * and over every media of the tenant under media_id ''. Columns as the sums of analytics_views'.
 */
export interface AnalyticsRollupsTable {
  tenant_id: string;
  media_id: string;
  /** Milliseconds at the start of the UTC hour. */
  hour: number;
  views: number;
  watch_ms: number;
  playing_ms: number;
  rebuffer_ms: number;
  rebuffer_count: number;
  failures: number;
  startup_failures: number;
  exits_before_start: number;
  started_views: number;
  bitrate_kbps_ms: number;
}

/** A rollup's startup histogram: views per bucket (analytics/latency-histogram.ts). */
export interface AnalyticsRollupBucketsTable {
  tenant_id: string;
  media_id: string;
  hour: number;
  bucket: number;
  views: number;
}

/** One row (id 1): every hour before rolled_until is in analytics_rollups. */
export interface AnalyticsRollupStateTable {
  id: number;
  rolled_until: number;
}

/** What a tenant used on a UTC day (YYYY-MM-DD). */
export interface UsageDailyTable {
  tenant_id: string;
  day: string;
  delivered_bytes: number;
  processed_ms: number;
  /** Originals and renditions stored, as last measured that day; null when not measured. */
  storage_bytes: number | null;
}

export type BackupRunStatus = 'running' | 'completed' | 'failed';

/** One scheduled backup run (backup/backup-runs.repository.ts). */
export interface BackupRunsTable {
  id: string;
  started_at: number;
  finished_at: number | null;
  status: BackupRunStatus;
  /** The backup it wrote, once completed. */
  backup_id: string | null;
  added_bytes: number | null;
  error: string | null;
}

export interface Database {
  backup_runs: BackupRunsTable;
  idempotency_keys: IdempotencyKeysTable;
  tenant_signing_keys: TenantSigningKeysTable;
  tenants: TenantsTable;
  caption_tracks: CaptionTracksTable;
  caption_cues: CaptionCuesTable;
  tenant_caption_settings: TenantCaptionSettingsTable;
  api_keys: ApiKeysTable;
  media: MediaTable;
  jobs: JobsTable;
  uploads: UploadsTable;
  recordings: RecordingsTable;
  recording_parts: RecordingPartsTable;
  capture_agents: CaptureAgentsTable;
  capture_schedules: CaptureSchedulesTable;
  upload_locks: UploadLocksTable;
  upload_urls: UploadUrlsTable;
  signing_keys: SigningKeysTable;
  tenant_playback_rules: TenantPlaybackRulesTable;
  job_schedules: JobSchedulesTable;
  job_tenant_turns: JobTenantTurnsTable;
  workers: WorkersTable;
  webhook_endpoints: WebhookEndpointsTable;
  webhook_deliveries: WebhookDeliveriesTable;
  events: EventsTable;
  users: UsersTable;
  sessions: SessionsTable;
  invites: InvitesTable;
  login_throttle: LoginThrottleTable;
  setup_codes: SetupCodesTable;
  lti_platforms: LtiPlatformsTable;
  lti_tool_keys: LtiToolKeysTable;
  lti_login_states: LtiLoginStatesTable;
  lti_launches: LtiLaunchesTable;
  lti_deep_links: LtiDeepLinksTable;
  tenant_sso: TenantSsoTable;
  sso_requests: SsoRequestsTable;
  analytics_views: AnalyticsViewsTable;
  analytics_rollups: AnalyticsRollupsTable;
  analytics_rollup_buckets: AnalyticsRollupBucketsTable;
  analytics_rollup_state: AnalyticsRollupStateTable;
  usage_daily: UsageDailyTable;
  live_streams: LiveStreamsTable;
  live_periods: LivePeriodsTable;
  live_segments: LiveSegmentsTable;
  zoom_connections: ZoomConnectionsTable;
  zoom_recordings: ZoomRecordingsTable;
  zoom_webhook_receipts: ZoomWebhookReceiptsTable;
}

export type TenantRow = Selectable<TenantsTable>;
export type NewTenantRow = Insertable<TenantsTable>;
export type ApiKeyRow = Selectable<ApiKeysTable>;
export type MediaRow = Selectable<MediaTable>;
export type NewMediaRow = Insertable<MediaTable>;
export type MediaRowUpdate = Updateable<MediaTable>;
export type LiveStreamRow = Selectable<LiveStreamsTable>;
export type LiveSegmentRow = Selectable<LiveSegmentsTable>;

export type JobRow = Selectable<JobsTable>;
export type AnalyticsViewRow = Selectable<AnalyticsViewsTable>;
export type WorkerRow = Selectable<WorkersTable>;
export type UploadRow = Selectable<UploadsTable>;
export type RecordingRow = Selectable<RecordingsTable>;
export type RecordingPartRow = Selectable<RecordingPartsTable>;
export type CaptureAgentRow = Selectable<CaptureAgentsTable>;
export type CaptureScheduleRow = Selectable<CaptureSchedulesTable>;
export type WebhookEndpointRow = Selectable<WebhookEndpointsTable>;
export type WebhookDeliveryRow = Selectable<WebhookDeliveriesTable>;
export type EventRow = Selectable<EventsTable>;
export type UserRow = Selectable<UsersTable>;
export type SessionRow = Selectable<SessionsTable>;
export type InviteRow = Selectable<InvitesTable>;
export type CaptionTrackRow = Selectable<CaptionTracksTable>;
export type NewCaptionTrackRow = Insertable<CaptionTracksTable>;
