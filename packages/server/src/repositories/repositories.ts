import type { Db, Dialect } from '../db/database.ts';
import { transactionRunner } from '../db/transaction.ts';
import { AnalyticsRepository } from '../analytics/analytics.repository.ts';
import { AnalyticsRollupsRepository } from '../analytics/analytics-rollups.repository.ts';
import { UsageRepository } from '../analytics/usage.repository.ts';
import { ApiKeysRepository } from '../api-keys/api-keys.repository.ts';
import { BackupRunsRepository } from '../backup/backup-runs.repository.ts';
import { CaptionSearchRepository } from '../captions/caption-search.repository.ts';
import { CaptionsRepository } from '../captions/captions.repository.ts';
import { CaptionSettingsRepository } from '../captions/asr/caption-settings.repository.ts';
import { PlayableMediaRepository } from '../delivery/playable-media.repository.ts';
import { SigningKeysRepository } from '../delivery/signing-keys.repository.ts';
import { TenantKeysRepository } from '../delivery/tenant-keys.repository.ts';
import { EventsRepository } from '../events/events.repository.ts';
import { IdempotencyRepository } from '../idempotency/idempotency.repository.ts';
import { JobProgressRepository } from '../jobs/job-progress.repository.ts';
import { JobsRepository } from '../jobs/jobs.repository.ts';
import { LtiLaunchesRepository } from '../lti/lti-launches.repository.ts';
import { LtiPlatformsRepository } from '../lti/lti-platforms.repository.ts';
import { LtiToolKeysRepository } from '../lti/lti-tool-keys.repository.ts';
import { LiveSegmentsRepository } from '../live/live-segments.repository.ts';
import { LiveStreamsRepository } from '../live/live-streams.repository.ts';
import { MediaRepository } from '../media/media.repository.ts';
import { RecordingsRepository } from '../recordings/recordings.repository.ts';
import { CaptureAgentsRepository } from '../capture-agents/capture-agents.repository.ts';
import { SetupRepository } from '../setup/setup.repository.ts';
import { SsoRepository } from '../sso/sso.repository.ts';
import { SystemHealthRepository } from '../system-health/system-health.repository.ts';
import { PlaybackRulesRepository } from '../tenants/playback-rules.repository.ts';
import { QuotasRepository } from '../tenants/quotas.repository.ts';
import { TenantsRepository } from '../tenants/tenants.repository.ts';
import { UploadLocksRepository } from '../uploads/upload-locks.repository.ts';
import { UploadUrlsRepository } from '../uploads/upload-urls.repository.ts';
import { UploadsRepository } from '../uploads/uploads.repository.ts';
import { InvitesRepository } from '../users/invites.repository.ts';
import { LoginThrottleRepository } from '../users/login-throttle.repository.ts';
import { SessionsRepository } from '../users/sessions.repository.ts';
import { UsersRepository } from '../users/users.repository.ts';
import { WebhooksRepository } from '../webhooks/webhooks.repository.ts';
import { ZoomRepository } from '../zoom/zoom.repository.ts';

/**
 * Every repository of Kino, bound to one database handle or to one transaction. The composition
 * roots (system/kino.ts, cli/) build the set once and pass it down; a domain names the part it
 * uses, `Pick<Repositories, 'media' | 'jobs'>`. Repository files never import this module: it
 * imports them.
 */
export interface Repositories {
  readonly analytics: AnalyticsRepository;
  readonly analyticsRollups: AnalyticsRollupsRepository;
  readonly apiKeys: ApiKeysRepository;
  readonly backupRuns: BackupRunsRepository;
  readonly captions: CaptionsRepository;
  readonly captionSettings: CaptionSettingsRepository;
  readonly captionSearch: CaptionSearchRepository;
  readonly events: EventsRepository;
  readonly idempotency: IdempotencyRepository;
  readonly invites: InvitesRepository;
  readonly jobProgress: JobProgressRepository;
  readonly jobs: JobsRepository;
  readonly liveSegments: LiveSegmentsRepository;
  readonly liveStreams: LiveStreamsRepository;
  readonly loginThrottle: LoginThrottleRepository;
  readonly ltiLaunches: LtiLaunchesRepository;
  readonly ltiPlatforms: LtiPlatformsRepository;
  readonly ltiToolKeys: LtiToolKeysRepository;
  readonly media: MediaRepository;
  readonly playableMedia: PlayableMediaRepository;
  readonly playbackRules: PlaybackRulesRepository;
  readonly quotas: QuotasRepository;
  readonly recordings: RecordingsRepository;
  readonly captureAgents: CaptureAgentsRepository;
  readonly sessions: SessionsRepository;
  readonly setup: SetupRepository;
  readonly sso: SsoRepository;
  readonly signingKeys: SigningKeysRepository;
  readonly systemHealth: SystemHealthRepository;
  readonly tenantKeys: TenantKeysRepository;
  readonly tenants: TenantsRepository;
  readonly uploadLocks: UploadLocksRepository;
  readonly uploadUrls: UploadUrlsRepository;
  readonly uploads: UploadsRepository;
  readonly usage: UsageRepository;
  readonly users: UsersRepository;
  readonly webhooks: WebhooksRepository;
  readonly zoom: ZoomRepository;
}

/**
 * Each repository is made when first used: a transaction touches a few of them, and some compile
 * their queries when made.
 */
function lazily<T extends object>(makers: { [K in keyof T]: () => T[K] }): T {
  const made = {} as T;
  for (const key of Object.keys(makers) as (keyof T)[]) {
    let value: T[typeof key] | undefined;
    Object.defineProperty(made, key, { enumerable: true, get: () => (value ??= makers[key]()) });
  }
  return made;
}

/** @example const repos = createRepositories(database.db, database.dialect); */
export function createRepositories(db: Db, dialect: Dialect): Repositories {
  return lazily<Repositories>({
    analytics: () => new AnalyticsRepository(db),
    analyticsRollups: () => new AnalyticsRollupsRepository(db),
    apiKeys: () => new ApiKeysRepository(db),
    backupRuns: () => new BackupRunsRepository(db),
    captions: () => new CaptionsRepository(db),
    captionSettings: () => new CaptionSettingsRepository(db),
    captionSearch: () => new CaptionSearchRepository(db, dialect),
    events: () => new EventsRepository(db),
    idempotency: () => new IdempotencyRepository(db),
    invites: () => new InvitesRepository(db),
    jobProgress: () => new JobProgressRepository(db),
    jobs: () => new JobsRepository(db, dialect),
    liveSegments: () => new LiveSegmentsRepository(db),
    liveStreams: () => new LiveStreamsRepository(db),
    loginThrottle: () => new LoginThrottleRepository(db),
    ltiLaunches: () => new LtiLaunchesRepository(db),
    ltiPlatforms: () => new LtiPlatformsRepository(db),
    ltiToolKeys: () => new LtiToolKeysRepository(db),
    media: () => new MediaRepository(db),
    playableMedia: () => new PlayableMediaRepository(db),
    playbackRules: () => new PlaybackRulesRepository(db),
    quotas: () => new QuotasRepository(db),
    recordings: () => new RecordingsRepository(db),
    captureAgents: () => new CaptureAgentsRepository(db),
    sessions: () => new SessionsRepository(db),
    setup: () => new SetupRepository(db),
    sso: () => new SsoRepository(db),
    signingKeys: () => new SigningKeysRepository(db),
    systemHealth: () => new SystemHealthRepository(db),
    tenantKeys: () => new TenantKeysRepository(db),
    tenants: () => new TenantsRepository(db),
    uploadLocks: () => new UploadLocksRepository(db, dialect),
    uploadUrls: () => new UploadUrlsRepository(db),
    uploads: () => new UploadsRepository(db),
    usage: () => new UsageRepository(db),
    users: () => new UsersRepository(db),
    webhooks: () => new WebhooksRepository(db),
    zoom: () => new ZoomRepository(db),
  });
}

/** Runs `work` with every repository bound to one transaction: all of its writes land, or none. */
export type UnitOfWork = <T>(work: (repos: Repositories) => Promise<T>) => Promise<T>;

/** @example const transaction = unitOfWork(database); await transaction((repos) => repos.media.get(t, id)); */
export function unitOfWork(handle: { db: Db; dialect: Dialect }): UnitOfWork {
  const transact = transactionRunner(handle);
  return (work) => transact((trx) => work(createRepositories(trx, handle.dialect)));
}
