import type { JWTPayload } from 'jose';

/** Claim names of LTI 1.3 Core and Deep Linking 2.0 (1EdTech). */
export const CLAIM = {
  messageType: 'https://purl.imsglobal.org/spec/lti/claim/message_type',
  version: 'https://purl.imsglobal.org/spec/lti/claim/version',
  deploymentId: 'https://purl.imsglobal.org/spec/lti/claim/deployment_id',
  targetLinkUri: 'https://purl.imsglobal.org/spec/lti/claim/target_link_uri',
  resourceLink: 'https://purl.imsglobal.org/spec/lti/claim/resource_link',
  roles: 'https://purl.imsglobal.org/spec/lti/claim/roles',
  context: 'https://purl.imsglobal.org/spec/lti/claim/context',
  custom: 'https://purl.imsglobal.org/spec/lti/claim/custom',
  deepLinkingSettings: 'https://purl.imsglobal.org/spec/lti-dl/claim/deep_linking_settings',
  contentItems: 'https://purl.imsglobal.org/spec/lti-dl/claim/content_items',
  deepLinkData: 'https://purl.imsglobal.org/spec/lti-dl/claim/data',
} as const;

export type LtiRole = 'admin' | 'instructor' | 'learner';

const ADMIN_ROLES = [
  'http://purl.imsglobal.org/vocab/lis/v2/system/person#Administrator',
  'http://purl.imsglobal.org/vocab/lis/v2/system/person#SysAdmin',
  'http://purl.imsglobal.org/vocab/lis/v2/institution/person#Administrator',
  'http://purl.imsglobal.org/vocab/lis/v2/membership#Administrator',
];
const INSTRUCTOR_ROLES = [
  'http://purl.imsglobal.org/vocab/lis/v2/membership#Instructor',
  'http://purl.imsglobal.org/vocab/lis/v2/membership#ContentDeveloper',
  'http://purl.imsglobal.org/vocab/lis/v2/membership/Instructor#TeachingAssistant',
  'http://purl.imsglobal.org/vocab/lis/v2/institution/person#Instructor',
  'http://purl.imsglobal.org/vocab/lis/v2/institution/person#Faculty',
];

/**
 * What a person may do in Kino from the roles an LMS sends: administrators and instructors
 * (teaching assistants and content developers too) pick and place media; everyone else watches.
 * The short forms of LTI 1.1 ('Instructor') are read as well, as some platforms still send them.
 */
export function mapLtiRoles(roles: readonly string[]): LtiRole {
  const has = (list: readonly string[], short: string) => roles.some((r) => list.includes(r) || r === short);
  if (has(ADMIN_ROLES, 'Administrator')) return 'admin';
  if (has(INSTRUCTOR_ROLES, 'Instructor')) return 'instructor';
  return 'learner';
}

export function mayPlaceMedia(role: LtiRole): boolean {
  return role === 'admin' || role === 'instructor';
}

export type LtiMessage = {
  deploymentId: string;
  subject: string;
  role: LtiRole;
  context: { id: string; title: string | null } | null;
} & (
  | {
      type: 'LtiResourceLinkRequest';
      resourceLinkId: string;
      /** The media the link names: its custom parameter, or the `media` of its target URI. */
      mediaId: string | null;
    }
  | { type: 'LtiDeepLinkingRequest'; returnUrl: string; data: string | null }
);

/** Why a verified id_token is still not a launch Kino takes. */
export class LtiClaimError extends Error {
  override name = 'LtiClaimError';
}

const isObject = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v);
const text = (v: unknown): string | null =>
  typeof v === 'string' && v.length > 0 && v.length <= 2048 ? v : null;

/** Reads the LTI message out of an id_token whose signature, issuer, audience and times are checked. */
export function readLtiMessage(payload: JWTPayload): LtiMessage {
  if (payload[CLAIM.version] !== '1.3.0') throw new LtiClaimError('the LTI version claim is not 1.3.0');
  const deploymentId = text(payload[CLAIM.deploymentId]);
  if (deploymentId === null) throw new LtiClaimError('the deployment_id claim is missing');
  const subject = text(payload.sub) ?? 'anonymous';
  const rolesClaim = payload[CLAIM.roles];
  const roles = Array.isArray(rolesClaim) ? rolesClaim.filter((r): r is string => typeof r === 'string') : [];
  const contextClaim = payload[CLAIM.context];
  const contextId = isObject(contextClaim) ? text(contextClaim.id) : null;
  const base = {
    deploymentId,
    subject,
    role: mapLtiRoles(roles),
    context:
      contextId === null || !isObject(contextClaim)
        ? null
        : { id: contextId, title: text(contextClaim.title) ?? text(contextClaim.label) },
  };
  const type = payload[CLAIM.messageType];
  if (type === 'LtiResourceLinkRequest') {
    const link = payload[CLAIM.resourceLink];
    const resourceLinkId = isObject(link) ? text(link.id) : null;
    if (resourceLinkId === null) throw new LtiClaimError('the resource_link claim has no id');
    return { ...base, type, resourceLinkId, mediaId: mediaOfLink(payload) };
  }
  if (type === 'LtiDeepLinkingRequest') {
    const settings = payload[CLAIM.deepLinkingSettings];
    const returnUrl = isObject(settings) ? text(settings.deep_link_return_url) : null;
    if (returnUrl === null || !/^https?:\/\//.test(returnUrl)) {
      throw new LtiClaimError('the deep_linking_settings claim has no http(s) deep_link_return_url');
    }
    return { ...base, type, returnUrl, data: isObject(settings) ? text(settings.data) : null };
  }
  throw new LtiClaimError(`the message type ${String(type)} is not one Kino handles`);
}

function mediaOfLink(payload: JWTPayload): string | null {
  const custom = payload[CLAIM.custom];
  const fromCustom = isObject(custom) ? text(custom.kino_media_id) : null;
  if (fromCustom !== null) return fromCustom;
  const target = text(payload[CLAIM.targetLinkUri]);
  if (target === null) return null;
  try {
    return new URL(target).searchParams.get('media');
  } catch {
    return null;
  }
}
