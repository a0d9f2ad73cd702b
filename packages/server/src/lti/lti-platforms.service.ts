import { ApiError, notFound } from '../http/problem.ts';
import { newId } from '../lib/ids.ts';
import type { Repositories } from '../repositories/repositories.ts';
import type { LtiPlatformChanges, LtiPlatformRow } from './lti-platforms.repository.ts';

export interface PlatformInput {
  issuer: string;
  clientId: string;
  deploymentIds: string[];
  authLoginUrl: string;
  jwksUrl: string;
  accessTokenUrl?: string | null | undefined;
}

/** A tenant's LMS registrations; one issuer and client id belong to one registration in all of Kino. */
export class LtiPlatformsService {
  constructor(
    private readonly repos: Pick<Repositories, 'ltiPlatforms'>,
    private readonly now: () => number = Date.now,
  ) {}

  list(tenantId: string): Promise<LtiPlatformRow[]> {
    return this.repos.ltiPlatforms.listForTenant(tenantId);
  }

  async get(tenantId: string, id: string): Promise<LtiPlatformRow> {
    const row = await this.repos.ltiPlatforms.get(tenantId, id);
    if (!row) throw notFound('platform');
    return row;
  }

  async create(tenantId: string, input: PlatformInput): Promise<LtiPlatformRow> {
    await this.refuseTaken(input.issuer, input.clientId, null);
    const now = this.now();
    const row: LtiPlatformRow = {
      id: newId('ltp', now),
      tenant_id: tenantId,
      issuer: input.issuer,
      client_id: input.clientId,
      deployment_ids: JSON.stringify(unique(input.deploymentIds)),
      auth_login_url: input.authLoginUrl,
      jwks_url: input.jwksUrl,
      access_token_url: input.accessTokenUrl ?? null,
      created_at: now,
      updated_at: now,
    };
    await this.repos.ltiPlatforms.create(row);
    return row;
  }

  async update(tenantId: string, id: string, input: Partial<PlatformInput>): Promise<LtiPlatformRow> {
    const current = await this.get(tenantId, id);
    const issuer = input.issuer ?? current.issuer;
    const clientId = input.clientId ?? current.client_id;
    await this.refuseTaken(issuer, clientId, id);
    const changes: LtiPlatformChanges = {
      issuer,
      client_id: clientId,
      ...(input.deploymentIds && { deployment_ids: JSON.stringify(unique(input.deploymentIds)) }),
      ...(input.authLoginUrl && { auth_login_url: input.authLoginUrl }),
      ...(input.jwksUrl && { jwks_url: input.jwksUrl }),
      ...(input.accessTokenUrl !== undefined && { access_token_url: input.accessTokenUrl }),
      updated_at: this.now(),
    };
    await this.repos.ltiPlatforms.update(tenantId, id, changes);
    return this.get(tenantId, id);
  }

  async delete(tenantId: string, id: string): Promise<void> {
    if (!(await this.repos.ltiPlatforms.delete(tenantId, id))) throw notFound('platform');
  }

  private async refuseTaken(issuer: string, clientId: string, exceptId: string | null): Promise<void> {
    const taken = (await this.repos.ltiPlatforms.listByIssuer(issuer)).some(
      (p) => p.client_id === clientId && p.id !== exceptId,
    );
    if (taken) throw new ApiError('conflict', 'this issuer and client id are registered already');
  }
}

const unique = (values: string[]) => [...new Set(values)];
