import type { KinoJobCatalog } from '../jobs/catalog.ts';
import type { JobQueue } from '../jobs/job-queue.ts';
import { ApiError, notFound } from '../http/problem.ts';
import { newId } from '../lib/ids.ts';
import { createImporting } from '../media/lifecycle/media-lifecycle.ts';
import { assertWithinQuota } from '../media/quotas.ts';
import type { Repositories, UnitOfWork } from '../repositories/repositories.ts';
import { listZoomRecordings, zoomAccessToken, ZoomApiError, type ZoomEndpoints } from './zoom-api.ts';
import type { ZoomMeetingRecording } from './zoom-payloads.ts';
import {
  ruleRefusal,
  transcriptFileOf,
  videoFileOf,
  withAccessToken,
  zoomRules,
  type ZoomRules,
} from './zoom-rules.ts';
import type { SecretBox } from './secret-box.ts';
import type { ZoomConnectionRow } from './zoom.repository.ts';

export interface ZoomConnectionInput {
  accountId: string;
  clientId: string;
  clientSecret: string;
  webhookSecretToken: string;
  rules?: ZoomRules | undefined;
}

/** What became of one meeting offered for import. */
export type MeetingOutcome =
  | { outcome: 'imported'; mediaId: string; recordingFileId: string }
  | { outcome: 'duplicate'; mediaId: string; recordingFileId: string }
  | { outcome: 'skipped'; reason: 'topic' | 'host' | 'duration' | 'no_video' };

export interface ZoomServiceDeps {
  repos: Pick<Repositories, 'zoom' | 'quotas'>;
  transaction: UnitOfWork;
  queue: JobQueue<KinoJobCatalog>;
  secrets: SecretBox;
  endpoints: ZoomEndpoints;
  now?: () => number;
}

/**
 * A tenant's Zoom connection and the imports it makes: each meeting the rules take becomes a media
 * born importing (media/lifecycle createImporting), its MP4 fetched by the URL import with the
 * download token, and its transcript, when Zoom made one, a caption track (the zoom.transcript job).
 */
export class ZoomService {
  constructor(private readonly deps: ZoomServiceDeps) {}

  private now(): number {
    return this.deps.now?.() ?? Date.now();
  }

  async connect(tenantId: string, input: ZoomConnectionInput): Promise<ZoomConnectionRow> {
    const now = this.now();
    const existing = await this.deps.repos.zoom.getConnection(tenantId);
    const row: ZoomConnectionRow = {
      tenant_id: tenantId,
      account_id: input.accountId,
      client_id: input.clientId,
      client_secret_sealed: this.deps.secrets.seal(input.clientSecret),
      webhook_secret_sealed: this.deps.secrets.seal(input.webhookSecretToken),
      rules: JSON.stringify(input.rules ?? zoomRules.parse({})),
      created_at: existing?.created_at ?? now,
      updated_at: now,
    };
    await this.deps.repos.zoom.saveConnection(row);
    return row;
  }

  async connection(tenantId: string): Promise<ZoomConnectionRow> {
    const row = await this.deps.repos.zoom.getConnection(tenantId);
    if (!row) throw notFound('Zoom connection');
    return row;
  }

  async disconnect(tenantId: string): Promise<void> {
    if (!(await this.deps.repos.zoom.deleteConnection(tenantId))) throw notFound('Zoom connection');
  }

  /** The webhook secret token that signs this tenant's Zoom webhooks; undefined when not connected. */
  async webhookSecret(tenantId: string): Promise<string | undefined> {
    const row = await this.deps.repos.zoom.getConnection(tenantId);
    return row ? this.deps.secrets.open(row.webhook_secret_sealed) : undefined;
  }

  /** Notes a verified request; false when the same signed request came before. */
  acceptOnce(tenantId: string, signatureHash: string, toleranceMs: number): Promise<boolean> {
    const now = this.now();
    return this.deps.repos.zoom.acceptReceipt(tenantId, signatureHash, now, now - 2 * toleranceMs);
  }

  /** recording.completed: the meeting's files download with the event's `download_token`. */
  async recordingCompleted(
    tenantId: string,
    meeting: ZoomMeetingRecording,
    downloadToken: string,
  ): Promise<MeetingOutcome> {
    const connection = await this.connection(tenantId);
    return this.importMeeting(connection, meeting, downloadToken);
  }

  /**
   * Imports past recordings of a user (an id, an email or `me`) between two dates, by the rules.
   * Downloads use an access token of the app's credentials (valid about an hour).
   */
  async backfill(tenantId: string, query: { userId: string; from: string; to: string }) {
    const connection = await this.connection(tenantId);
    const credentials = {
      accountId: connection.account_id,
      clientId: connection.client_id,
      clientSecret: this.deps.secrets.open(connection.client_secret_sealed),
    };
    const outcomes: MeetingOutcome[] = [];
    try {
      const token = await zoomAccessToken(this.deps.endpoints, credentials);
      const hostEmail = query.userId.includes('@') ? query.userId : undefined;
      for await (const meeting of listZoomRecordings(this.deps.endpoints, token, query)) {
        outcomes.push(await this.importMeeting(connection, meeting, token, hostEmail));
      }
    } catch (err) {
      if (err instanceof ZoomApiError || (err instanceof Error && err.name === 'TimeoutError')) {
        throw new ApiError('zoom_unavailable', err.message);
      }
      if (err instanceof TypeError) throw new ApiError('zoom_unavailable', 'Zoom could not be reached');
      throw err;
    }
    return outcomes;
  }

  private async importMeeting(
    connection: ZoomConnectionRow,
    meeting: ZoomMeetingRecording,
    token: string,
    hostEmail?: string,
  ): Promise<MeetingOutcome> {
    const tenantId = connection.tenant_id;
    const rules = zoomRules.parse(JSON.parse(connection.rules));
    const refusal = ruleRefusal(rules, meeting, hostEmail);
    if (refusal) return { outcome: 'skipped', reason: refusal };
    const video = videoFileOf(meeting);
    if (!video?.id || !video.download_url) return { outcome: 'skipped', reason: 'no_video' };
    const fileId = video.id;
    const known = await this.deps.repos.zoom.getRecording(tenantId, fileId);
    if (known) return { outcome: 'duplicate', mediaId: known.media_id, recordingFileId: fileId };
    await assertWithinQuota(this.deps.repos.quotas, tenantId, { bytes: 0, minutes: 0 });

    const host = meeting.host_email ?? hostEmail ?? null;
    const now = this.now();
    const mediaId = newId('med', now);
    const transcript = transcriptFileOf(meeting);
    return this.deps.transaction(async (repos): Promise<MeetingOutcome> => {
      const added = await repos.zoom.addRecording({
        tenant_id: tenantId,
        recording_file_id: fileId,
        media_id: mediaId,
        meeting_uuid: meeting.uuid,
        meeting_id: String(meeting.id),
        topic: meeting.topic,
        host_email: host,
        start_time: meeting.start_time ?? null,
        created_at: now,
      });
      if (!added) {
        const other = await repos.zoom.getRecording(tenantId, fileId);
        return { outcome: 'duplicate', mediaId: other?.media_id ?? '', recordingFileId: fileId };
      }
      const tx = { repos, queue: this.deps.queue, now };
      await createImporting(
        tx,
        {
          id: mediaId,
          tenant_id: tenantId,
          title: (meeting.topic || 'Zoom meeting').slice(0, 500),
          description: describeMeeting(meeting, host),
          tags: JSON.stringify(meetingTags(meeting, host)),
          visibility: rules.visibility,
          playable: 0,
          duration_seconds: null,
          width: null,
          height: null,
          error_code: null,
          error_message: null,
          created_at: now,
          updated_at: now,
        },
        { url: withAccessToken(video.download_url ?? '', token), sourceKey: newId('upl') },
      );
      if (transcript?.download_url) {
        await this.deps.queue.enqueue(repos, {
          type: 'zoom.transcript',
          payload: {
            tenantId,
            mediaId,
            url: withAccessToken(transcript.download_url, token),
            language: rules.transcriptLanguage,
          },
          tenantId,
          idempotencyKey: `media:${mediaId}:zoom-transcript`,
        });
      }
      return { outcome: 'imported', mediaId, recordingFileId: fileId };
    });
  }
}

/** Tags that find a meeting's media: `zoom`, its host and its day. */
export function meetingTags(meeting: ZoomMeetingRecording, host: string | null): string[] {
  const tags = ['zoom'];
  if (host) tags.push(`zoom-host:${host.toLowerCase()}`.slice(0, 64));
  if (meeting.start_time && /^\d{4}-\d{2}-\d{2}/.test(meeting.start_time)) {
    tags.push(`zoom-date:${meeting.start_time.slice(0, 10)}`);
  }
  return tags;
}

function describeMeeting(meeting: ZoomMeetingRecording, host: string | null): string {
  const parts = [`Zoom meeting ${String(meeting.id)}`];
  if (meeting.start_time) parts.push(`started ${meeting.start_time}`);
  if (host) parts.push(`hosted by ${host}`);
  return `${parts.join(', ')}.`;
}
