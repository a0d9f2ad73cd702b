import type { Repositories } from '../repositories/repositories.ts';

/** Accepted when neither the tenant nor the operator set a limit. */
export const DEFAULT_MAX_UPLOAD_BYTES = 50 * 1024 ** 3;

/** The largest original a tenant may add, by upload, form or import. */
export async function maxUploadBytes(
  repos: Pick<Repositories, 'tenants'>,
  tenantId: string,
): Promise<number> {
  const tenant = await repos.tenants.get(tenantId);
  return tenant?.max_upload_bytes ?? DEFAULT_MAX_UPLOAD_BYTES;
}
