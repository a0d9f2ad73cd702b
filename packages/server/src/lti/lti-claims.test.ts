import { describe, expect, it } from 'vitest';
import { CLAIM, LtiClaimError, mapLtiRoles, readLtiMessage } from './lti-claims.ts';

const base = {
  sub: 'user-1',
  [CLAIM.version]: '1.3.0',
  [CLAIM.deploymentId]: 'dep-1',
  [CLAIM.context]: { id: 'course-9', label: 'CHEM', title: 'Chemistry' },
};

describe('mapLtiRoles', () => {
  it.each([
    [['http://purl.imsglobal.org/vocab/lis/v2/institution/person#Administrator'], 'admin'],
    [['http://purl.imsglobal.org/vocab/lis/v2/membership#Administrator'], 'admin'],
    [['http://purl.imsglobal.org/vocab/lis/v2/membership#Instructor'], 'instructor'],
    [['http://purl.imsglobal.org/vocab/lis/v2/membership/Instructor#TeachingAssistant'], 'instructor'],
    [['Instructor'], 'instructor'],
    [['http://purl.imsglobal.org/vocab/lis/v2/membership#Learner'], 'learner'],
    [['http://purl.imsglobal.org/vocab/lis/v2/institution/person#Student'], 'learner'],
    [[], 'learner'],
    // A made-up role that merely ends like an instructor's is not one.
    [['https://evil.example/roles#Instructor'], 'learner'],
  ] as const)('%j is %s', (roles, role) => {
    expect(mapLtiRoles(roles)).toBe(role);
  });
});

describe('readLtiMessage', () => {
  it('reads a resource link with its media, role and course', () => {
    expect(
      readLtiMessage({
        ...base,
        [CLAIM.messageType]: 'LtiResourceLinkRequest',
        [CLAIM.resourceLink]: { id: 'rl-1' },
        [CLAIM.roles]: ['http://purl.imsglobal.org/vocab/lis/v2/membership#Learner'],
        [CLAIM.custom]: { kino_media_id: 'med_1' },
      }),
    ).toEqual({
      type: 'LtiResourceLinkRequest',
      deploymentId: 'dep-1',
      subject: 'user-1',
      role: 'learner',
      context: { id: 'course-9', title: 'Chemistry' },
      resourceLinkId: 'rl-1',
      mediaId: 'med_1',
    });
  });

  it('takes the media from the target link URI when no custom parameter names it', () => {
    const message = readLtiMessage({
      ...base,
      [CLAIM.messageType]: 'LtiResourceLinkRequest',
      [CLAIM.resourceLink]: { id: 'rl-1' },
      [CLAIM.targetLinkUri]: 'https://kino.example/lti/launch?media=med_2',
    });
    expect(message.type === 'LtiResourceLinkRequest' && message.mediaId).toBe('med_2');
  });

  it('reads a Deep Linking request', () => {
    const message = readLtiMessage({
      ...base,
      [CLAIM.messageType]: 'LtiDeepLinkingRequest',
      [CLAIM.deepLinkingSettings]: { deep_link_return_url: 'https://lms.example/return', data: 'xyz' },
    });
    expect(message).toMatchObject({
      type: 'LtiDeepLinkingRequest',
      returnUrl: 'https://lms.example/return',
      data: 'xyz',
    });
  });

  it.each([
    ['another version', { [CLAIM.version]: '1.1' }],
    ['no deployment', { [CLAIM.deploymentId]: undefined }],
    ['an unknown message type', { [CLAIM.messageType]: 'LtiSubmissionReviewRequest' }],
    ['a resource link without id', { [CLAIM.messageType]: 'LtiResourceLinkRequest' }],
    [
      'a return URL that is not http(s)',
      {
        [CLAIM.messageType]: 'LtiDeepLinkingRequest',
        [CLAIM.deepLinkingSettings]: { deep_link_return_url: 'javascript:alert(1)' },
      },
    ],
  ])('refuses %s', (_what, change) => {
    expect(() =>
      readLtiMessage({ ...base, [CLAIM.messageType]: 'LtiResourceLinkRequest', ...change }),
    ).toThrow(LtiClaimError);
  });
});
