import type { Repositories } from '../repositories/repositories.ts';
import { DEFAULT_MAX_UPLOAD_BYTES } from '../uploads/uploads.service.ts';

/** The largest original a tenant may add, by upload, form or import. */
export async function maxUploadBytes(
  repos: Pick<Repositories, 'tenants'>,
  tenantId: string,
): Promise<number> {
  const tenant = await repos.tenants.get(tenantId);
  return tenant?.max_upload_bytes ?? DEFAULT_MAX_UPLOAD_BYTES;
}
