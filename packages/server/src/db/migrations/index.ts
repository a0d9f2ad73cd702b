import type { Migration, MigrationProvider } from 'kysely';
import * as foundation from './0001-foundation.ts';
import * as jobs from './0002-jobs.ts';
import * as uploads from './0003-uploads.ts';
import * as playback from './0004-playback.ts';
import * as playbackRules from './0005-playback-rules.ts';
import * as jobsClaimByTenant from './0006-jobs-claim-by-tenant.ts';
import * as webhooks from './0007-webhooks.ts';
import * as captions from './0008-captions.ts';
import * as accounts from './0009-accounts.ts';
import * as hardening from './0010-hardening.ts';
import * as mediaLoudness from './0011-media-loudness.ts';
import * as uploadHardening from './0012-upload-hardening.ts';
import * as eventOutbox from './0013-event-outbox.ts';
import * as usersPerTenant from './0014-users-per-tenant.ts';
import * as firstRunSetup from './0015-first-run-setup.ts';
import * as liveStreams from './0016-live-streams.ts';
import * as recordings from './0017-recordings.ts';
import * as playbackAnalytics from './0018-playback-analytics.ts';
import * as automaticCaptions from './0019-automatic-captions.ts';
import * as ltiSso from './0020-lti-sso.ts';
import * as zoom from './0021-zoom.ts';
import * as backupRuns from './0022-backup-runs.ts';
import * as analyticsRollups from './0023-analytics-rollups.ts';
import * as coldOriginals from './0024-cold-originals.ts';

// Listed in code (not read from a folder) so the built server and the tests run the same set.
const migrations: Record<string, Migration> = {
  '0001-foundation': foundation,
  '0002-jobs': jobs,
  '0003-uploads': uploads,
  '0004-playback': playback,
  '0005-playback-rules': playbackRules,
  '0006-jobs-claim-by-tenant': jobsClaimByTenant,
  '0007-webhooks': webhooks,
  '0008-captions': captions,
  '0009-accounts': accounts,
  '0010-hardening': hardening,
  '0011-media-loudness': mediaLoudness,
  '0012-upload-hardening': uploadHardening,
  '0013-event-outbox': eventOutbox,
  '0014-users-per-tenant': usersPerTenant,
  '0015-first-run-setup': firstRunSetup,
  '0016-live-streams': liveStreams,
  '0017-recordings': recordings,
  '0018-playback-analytics': playbackAnalytics,
  '0019-automatic-captions': automaticCaptions,
  '0020-lti-sso': ltiSso,
  '0021-zoom': zoom,
  '0022-backup-runs': backupRuns,
  '0023-analytics-rollups': analyticsRollups,
  '0024-cold-originals': coldOriginals,
};

export const migrationProvider: MigrationProvider = {
  getMigrations: () => Promise.resolve(migrations),
};
