/**
 * The API's objects, as the console reads them: names for the types generated from the server's
 * OpenAPI document (openapi.gen.ts; `npm run api-types` writes it, `npm run check` fails when it is
 * out of date).
 */
import type { components, paths } from './openapi.gen.ts';

type Schemas = components['schemas'];

/** The JSON body that `method path` answers with `status`. */
type Answer<
  P extends keyof paths,
  M extends 'get' | 'post' | 'put' | 'patch',
  S extends number = 200,
> = paths[P][M] extends { responses: Record<S, { content: { 'application/json': infer Body } }> }
  ? Body
  : never;

export type User = Schemas['User'];
export type Role = User['role'];
export type Session = Schemas['Session'];

/** `GET /v1/setup`: whether the console opens on "Create the first administrator". */
export type SetupState = Schemas['SetupState'];

/** `GET /v1/invites/{token}`: who an invite is for. */
export type Invite = Answer<'/v1/invites/{token}', 'get'>;
/** A user just invited (or invited again), with the link to send when Kino sends no email. */
export type Invited = Schemas['CreatedUser'];

export type Media = Schemas['Media'];
export type MediaStatus = Media['status'];
export type Visibility = Media['visibility'];
export type Playback = Schemas['Playback'];
export type Rendition = Media['renditions'][number];
export type MediaProgress = Schemas['MediaProgress'];
export type PlaybackToken = Answer<'/v1/media/{id}/playback-tokens', 'post', 201>;

export type CaptionTrack = Schemas['CaptionTrack'];
export type CaptionKind = CaptionTrack['kind'];

/** `GET /v1/search`: media best match first, each with its matching cues in time order. */
export type CaptionSearch = Schemas['CaptionSearch'];
/** A cue of a caption track that matched a search. */
export type SearchHit = CaptionSearch['results'][number]['hits'][number];

/** A page of a list that goes on from `nextCursor`. */
export interface Page<T> {
  items: T[];
  nextCursor: string | null;
}

export type ApiKey = Schemas['ApiKey'];
/** A key just created: its secret is shown this once. */
export type CreatedApiKey = Schemas['CreatedApiKey'];

/** An LMS registered as an LTI 1.3 platform, with the tool URLs to enter in it. */
export type LtiPlatform = Schemas['LtiPlatform'];
/** The tenant's single sign-on settings (without secrets) and the URLs its provider needs. */
export type TenantSso = Schemas['TenantSso'];

export type Webhook = Schemas['Webhook'];
export type WebhookEvent = Webhook['events'][number];
/** A webhook just created: its signing secret is shown this once. */
export type WebhookWithSecret = Schemas['WebhookWithSecret'];
export type WebhookDelivery = Schemas['WebhookDelivery'];

/** Every event, in the order the console lists them (the record makes the list complete). */
const webhookEvents: Record<WebhookEvent, true> = {
  'upload.completed': true,
  'media.playable': true,
  'media.ready': true,
  'media.errored': true,
  'media.captions.ready': true,
  'live_stream.created': true,
  'live_stream.active': true,
  'live_stream.disconnected': true,
  'live_stream.idle': true,
  'live_stream.deleted': true,
};
export const WEBHOOK_EVENTS = Object.keys(webhookEvents) as WebhookEvent[];

export type Tenant = Schemas['Tenant'];
/** `POST /v1/tenants`: the tenant and its first API key, shown this once. */
export type CreatedTenant = Answer<'/v1/tenants', 'post', 201>;

export type Job = Schemas['Job'];
export type JobState = Job['state'];

/** Every job state, in the order the console lists them (the record makes the list complete). */
const jobStates: Record<JobState, true> = {
  available: true,
  running: true,
  retrying: true,
  succeeded: true,
  dead: true,
  cancelled: true,
};
export const JOB_STATES = Object.keys(jobStates) as JobState[];

export type SystemHealth = Schemas['SystemHealth'];
export type Reachability = SystemHealth['database'];
export type Worker = SystemHealth['workers'][number];

/** Compiles only when `Got` is a `Want`. */
type Is<Want, Got extends Want> = Got;
/** The list routes the console pages through answer a Page (checked when compiling). */
type _Pages = [
  Is<Page<Media>, Answer<'/v1/media', 'get'>>,
  Is<Page<Job>, Answer<'/v1/jobs', 'get'>>,
  Is<Page<Tenant>, Answer<'/v1/tenants', 'get'>>,
];
