import { randomUUID } from 'node:crypto';
import swagger from '@fastify/swagger';
import swaggerUi from '@fastify/swagger-ui';
import Fastify, { LogController, type FastifyBaseLogger } from 'fastify';
import {
  jsonSchemaTransform,
  jsonSchemaTransformObject,
  validatorCompiler,
  type ZodTypeProvider,
} from 'fastify-type-provider-zod';
import type { Authenticate } from './principal.ts';
import { checkAccess } from './access.ts';
import { handleError, sendProblem } from './error-handler.ts';
import type { AdmissionQueue } from '../lib/admission-queue.ts';
import type { HttpMetrics } from './metrics.ts';
import { refuseNulCharacters } from './nul-characters.ts';
import { ApiError } from './problem.ts';
import { responseSerializerCompiler } from './response-serializer.ts';
import type { App } from './types.ts';

export interface HttpOptions {
  /** A pino logger; none means silent. */
  logger?: FastifyBaseLogger;
  /** Finds who calls from the Authorization header or the session cookie (auth/authenticator.ts). */
  authenticate: Authenticate;
  metrics: HttpMetrics;
  /** Trust X-Forwarded-* from a proxy in front (set when behind a load balancer): Fastify's trustProxy. */
  trustProxy?: boolean | string[];
  /** Where routes marked `admission: 'uploads'` wait their turn; none: they never wait. */
  uploadAdmission?: AdmissionQueue;
  /**
   * Check every response against its zod schema before sending it (response-serializer.ts);
   * by default when NODE_ENV is test or development. Otherwise responses are written from the
   * schema without that check.
   */
  checkResponses?: boolean;
}

const checkByDefault = () => ['test', 'development'].includes(process.env.NODE_ENV ?? '');

const REQUEST_ID = /^[A-Za-z0-9._:-]{1,128}$/;

/**
 * The Fastify instance with what every route shares: problem+json errors, request ids,
 * authentication by route access, metrics and the OpenAPI document. Domains add their routes.
 *
 * @example const app = await createHttpApp(opts); await app.register(mediaRoutes(deps)); await app.ready();
 */
export async function createHttpApp(opts: HttpOptions): Promise<App> {
  const app = Fastify({
    ...(opts.logger ? { loggerInstance: opts.logger } : { logger: false }),
    trustProxy: opts.trustProxy ?? false,
    // Playback tokens travel in a path segment and are longer than the router's default of 100.
    routerOptions: { maxParamLength: 1024 },
    // One line per request is written by the onResponse hook below, with the route and tenant.
    logController: new LogController({ disableRequestLogging: true, requestIdLogLabel: 'requestId' }),
    // A caller's X-Request-Id is kept when it is sane, so one id follows a request across services.
    genReqId: (req) => {
      const given = req.headers['x-request-id'];
      return typeof given === 'string' && REQUEST_ID.test(given) ? given : randomUUID();
    },
  }).withTypeProvider<ZodTypeProvider>();

  app.setValidatorCompiler(validatorCompiler);
  app.setSerializerCompiler(responseSerializerCompiler({ check: opts.checkResponses ?? checkByDefault() }));
  app.setErrorHandler(handleError);
  app.setNotFoundHandler((request, reply) =>
    sendProblem(
      reply,
      new ApiError('route_not_found', `no route ${request.method} ${request.url.split('?')[0]}`),
    ),
  );

  app.decorateRequest('principal', null);
  app.addHook('onRequest', async (request, reply) => {
    reply.header('x-request-id', request.id);
    if (request.is404) return;
    if (request.routeOptions.config.admission === 'uploads' && opts.uploadAdmission) {
      const release = await opts.uploadAdmission.acquire();
      // 'close' comes when the answer is sent or the connection drops, whichever is first.
      reply.raw.once('close', release);
      if (reply.raw.destroyed) release();
    }
    const access = request.routeOptions.config.access ?? 'operator';
    if (access === 'public') return;
    const principal = await opts.authenticate(request);
    checkAccess(principal, access);
    request.principal = principal;
  });

  app.addHook('preValidation', refuseNulCharacters);

  app.addHook('onResponse', async (request, reply) => {
    const route = request.routeOptions.url ?? 'unmatched';
    opts.metrics.requestDuration.observe(
      { method: request.method, route, status: String(reply.statusCode) },
      reply.elapsedTime / 1000,
    );
    request.log.info(
      {
        method: request.method,
        route,
        status: reply.statusCode,
        ms: Math.round(reply.elapsedTime * 10) / 10,
        tenant: request.principal?.kind === 'tenant' ? request.principal.tenantId : undefined,
      },
      'request',
    );
  });

  await app.register(swagger, {
    openapi: {
      openapi: '3.1.0',
      info: {
        title: 'Kino API',
        version: '1',
        description: 'Upload, process, deliver and manage video. Errors are application/problem+json.',
      },
      components: { securitySchemes: { apiKey: { type: 'http', scheme: 'bearer' } } },
      security: [{ apiKey: [] }],
    },
    transform: jsonSchemaTransform,
    transformObject: jsonSchemaTransformObject,
  });
  await app.register(async (docs) => {
    docs.addHook('onRoute', (route) => {
      route.config = { ...route.config, access: 'public' };
    });
    await docs.register(swaggerUi, { routePrefix: '/docs' });
  });
  app.get('/v1/openapi.json', { schema: { hide: true }, config: { access: 'public' } }, () => app.swagger());

  return app;
}
