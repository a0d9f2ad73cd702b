import { z } from 'zod';
import { parseCidr } from '../lib/address-list.ts';
import { normalizeHostPattern } from '../lib/host-patterns.ts';

export const hostPatternSchema = z
  .string()
  .max(260)
  .transform((value, ctx) => {
    const pattern = normalizeHostPattern(value);
    if (pattern === null) {
      ctx.addIssue({
        code: 'custom',
        message: 'must be a domain (example.com) or a wildcard (*.example.com)',
      });
      return z.NEVER;
    }
    return pattern;
  })
  .meta({ example: '*.example.com' });

export const cidrSchema = z
  .string()
  .max(64)
  .refine((value) => parseCidr(value) !== null, 'must be an IP address or a CIDR network (10.0.0.0/8)')
  .transform((value) => value.trim())
  .meta({ example: '203.0.113.0/24' });

/**
 * A tenant's rules for every playback of its media, public ones included. Empty lists impose
 * nothing; a deny entry wins over an allow entry.
 */
export const playbackRulesSchema = z
  .strictObject({
    allowedReferrers: z
      .array(hostPatternSchema)
      .max(100)
      .default([])
      .describe(
        'Pages allowed to play (Referer host): example.com or *.example.com. Empty: any page. ' +
          'Kino’s own pages (/embed) are always allowed; the embed page itself is checked.',
      ),
    allowMissingReferrer: z
      .boolean()
      .default(true)
      .describe(
        'Whether a request without a Referer plays when allowedReferrers is set. Browsers omit it ' +
          'under a no-referrer policy, and native players (Safari’s, apps, ffmpeg) send none: ' +
          'false blocks them too.',
      ),
    ipAllow: z
      .array(cidrSchema)
      .max(1000)
      .default([])
      .describe('Client addresses or networks allowed to play. Empty: any address.'),
    ipDeny: z.array(cidrSchema).max(1000).default([]).describe('Client addresses or networks refused.'),
  })
  .meta({ id: 'PlaybackRules' });

export type PlaybackRules = z.output<typeof playbackRulesSchema>;

export const NO_RULES: PlaybackRules = Object.freeze({
  allowedReferrers: [],
  allowMissingReferrer: true,
  ipAllow: [],
  ipDeny: [],
});
