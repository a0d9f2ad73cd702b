import type { FastifyReply, FastifyRequest } from 'fastify';
import { baseUrlOf } from '../http/base-url.ts';
import { LtiRefusal, type LoginRequest, type LtiLaunchService } from './lti-launch.service.ts';
import type { LtiDeepLinkingService } from './lti-deep-linking.service.ts';
import { acceptFormPosts, field, sendPage, sendRefusal } from './lti-form.ts';
import { deepLinkAnswerPage, launchPage, loginStoragePage, pickerPage } from './lti-pages.ts';
import { LTI_PAGE_SCRIPT } from './lti-page-script.ts';
import type { LtiToolKeys } from './lti-tool-keys.ts';
import { ApiError } from '../http/problem.ts';
import type { App } from '../http/types.ts';
import { TokenBuckets } from '../rate-limits/token-buckets.ts';

/** LTI login initiations one client address may make a minute (per process): a whole class behind one NAT address fits. */
const LOGINS_PER_MINUTE = 1200;

export const toolUrls = (base: string) => ({
  loginUrl: `${base}/lti/login`,
  launchUrl: `${base}/lti/launch`,
  jwksUrl: `${base}/lti/jwks`,
  deepLinkingUrl: `${base}/lti/launch`,
});

/**
 * The browser side of the LTI 1.3 tool: login initiation, launch, Kino's key set, the Deep
 * Linking picker and its answer. None of it sets or reads a cookie, so launches work in browsers
 * that block third-party cookies.
 */
export function ltiRoutes(deps: {
  launches: LtiLaunchService;
  deepLinking: LtiDeepLinkingService;
  toolKeys: LtiToolKeys;
  signPlayback: (mediaId: string, expiresAt: number) => Promise<string>;
  publicUrl: string | undefined;
}) {
  return async (app: App) => {
    acceptFormPosts(app);
    const config = { access: 'public' as const };
    const schema = { hide: true };

    // Each login initiation stores a state: anyone may call it, so each address gets a bounded share.
    const loginsPerAddress = new TokenBuckets(LOGINS_PER_MINUTE);
    const login = async (request: FastifyRequest, reply: FastifyReply) => {
      const source = request.method === 'POST' ? request.body : request.query;
      const iss = field(source, 'iss', 1024);
      const loginHint = field(source, 'login_hint', 4096);
      const target = field(source, 'target_link_uri', 2048);
      try {
        const verdict = loginsPerAddress.take(request.ip);
        if (!verdict.ok) {
          throw new ApiError(
            'rate_limited',
            `too many launches from this address; retry in ${verdict.retryAfterSeconds} s`,
          );
        }
        if (!iss || !loginHint || !target) {
          throw new LtiRefusal(
            'lti_invalid_state',
            'a login initiation needs iss, login_hint and target_link_uri',
          );
        }
        const input: LoginRequest = {
          iss,
          login_hint: loginHint,
          target_link_uri: target,
          lti_message_hint: field(source, 'lti_message_hint', 4096),
          client_id: field(source, 'client_id', 1024),
          lti_deployment_id: field(source, 'lti_deployment_id', 1024),
          lti_storage_target: field(source, 'lti_storage_target', 200),
        };
        const answer = await deps.launches.login(
          input,
          toolUrls(baseUrlOf(request, deps.publicUrl)).launchUrl,
        );
        if (answer.storage === null) return await reply.redirect(answer.authUrl, 302);
        return await sendPage(
          reply,
          200,
          loginStoragePage(answer.authUrl, {
            ...answer.storage,
            key: `kino_state_${answer.state.slice(0, 16)}`,
            state: answer.state,
          }),
        );
      } catch (err) {
        return await sendRefusal(request, reply, err, 'LTI login');
      }
    };
    app.get('/lti/login', { config, schema }, login);
    app.post('/lti/login', { config, schema }, login);

    app.post('/lti/launch', { config, schema }, async (request, reply) => {
      const base = baseUrlOf(request, deps.publicUrl);
      try {
        const answer = await deps.launches.launch({
          id_token: field(request.body, 'id_token', 65_536),
          state: field(request.body, 'state', 200),
        });
        if (answer.kind === 'play') {
          const token = await deps.signPlayback(answer.mediaId, answer.expiresAt);
          const embed = `${base}/embed/${answer.mediaId}?token=${token}`;
          return await sendPage(reply, 200, launchPage(answer.title || 'Video', embed, answer.storage));
        }
        const picker = `${base}/lti/deep-link/${answer.deepLinkId}?s=${answer.secret}`;
        return await sendPage(reply, 200, launchPage('Choose a video', picker, answer.storage));
      } catch (err) {
        return await sendRefusal(request, reply, err, 'LTI launch');
      }
    });

    app.get('/lti/jwks', { config, schema }, async (_request, reply) => {
      return reply.header('cache-control', 'public, max-age=300').send(await deps.toolKeys.jwks());
    });

    app.get('/lti/deep-link/:id', { config, schema }, async (request, reply) => {
      const id = field(request.params, 'id', 64) ?? '';
      try {
        const secret = field(request.query, 's', 200) ?? '';
        const search = field(request.query, 'q', 200) ?? '';
        const { media } = await deps.deepLinking.picker(id, secret, search || undefined);
        return await sendPage(
          reply,
          200,
          pickerPage({
            formAction: `/lti/deep-link/${id}`,
            secret,
            search,
            media,
            uploadUrl: `${baseUrlOf(request, deps.publicUrl)}/upload`,
          }),
        );
      } catch (err) {
        return await sendRefusal(request, reply, err, 'LTI picker');
      }
    });

    app.post('/lti/deep-link/:id', { config, schema }, async (request, reply) => {
      const id = field(request.params, 'id', 64) ?? '';
      try {
        const { returnUrl, jwt } = await deps.deepLinking.choose(
          id,
          field(request.body, 's', 200) ?? '',
          field(request.body, 'mediaId', 64) ?? '',
          toolUrls(baseUrlOf(request, deps.publicUrl)).launchUrl,
        );
        return await sendPage(reply, 200, deepLinkAnswerPage(returnUrl, jwt));
      } catch (err) {
        return await sendRefusal(request, reply, err, 'LTI Deep Linking answer');
      }
    });

    app.get('/lti/assets/lti-page.js', { config, schema }, async (_request, reply) => {
      return reply
        .header('content-type', 'text/javascript; charset=utf-8')
        .header('cache-control', 'public, max-age=300')
        .send(LTI_PAGE_SCRIPT);
    });
  };
}
