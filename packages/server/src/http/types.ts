import type {
  FastifyBaseLogger,
  FastifyInstance,
  RawReplyDefaultExpression,
  RawRequestDefaultExpression,
  RawServerDefault,
} from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import type { Permission, Principal } from './principal.ts';

/**
 * Who may call a route: anyone, the operator only, a tenant key granting a permission, or either
 * the operator (across tenants) or such a tenant key (inside its tenant).
 */
export type Access = 'public' | 'operator' | Permission | { operatorOr: Permission };

declare module 'fastify' {
  interface FastifyContextConfig {
    access?: Access;
    /**
     * Uploads: the request waits its turn in the process's upload admission queue before any
     * work (authentication included), so a burst of them cannot starve every other request.
     */
    admission?: 'uploads';
  }
  interface FastifyRequest {
    principal: Principal | null;
  }
}

export type App = FastifyInstance<
  RawServerDefault,
  RawRequestDefaultExpression,
  RawReplyDefaultExpression,
  FastifyBaseLogger,
  ZodTypeProvider
>;
