import { lookup as dnsLookup } from 'node:dns/promises';
import type { LookupFunction } from 'node:net';
import { checkAddress, type AddressPolicyOptions } from './address-policy.ts';
import { ImportError } from './import-error.ts';

export interface ResolvedAddress {
  address: string;
  family: 4 | 6;
}

/** Turns a host name into its addresses. The default asks the system resolver (hosts file included). */
export type Resolver = (hostname: string) => Promise<ResolvedAddress[]>;

export const systemResolver: Resolver = async (hostname) =>
  (await dnsLookup(hostname, { all: true })).map((a) => ({
    address: a.address,
    family: a.family === 6 ? 6 : 4,
  }));

/**
 * The addresses of `hostname`, every one of them allowed by the address policy: a name with a
 * single refused address is refused as a whole, since the connection could go to any of them.
 */
export async function resolveAllowed(
  hostname: string,
  resolver: Resolver,
  policy: AddressPolicyOptions,
): Promise<ResolvedAddress[]> {
  let addresses: ResolvedAddress[];
  try {
    addresses = await resolver(hostname);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    throw new ImportError('network', `could not resolve ${hostname}${code ? ` (${code})` : ''}`, {
      retryable: code !== 'ENOTFOUND',
      cause: err,
    });
  }
  if (addresses.length === 0) {
    throw new ImportError('network', `${hostname} has no address`, { retryable: true });
  }
  for (const { address } of addresses) {
    const verdict = checkAddress(address, policy);
    if (!verdict.allowed) {
      throw new ImportError('blocked_address', `${hostname} resolves to ${verdict.description}`);
    }
  }
  return addresses;
}

/**
 * A `lookup` for http.request that answers with addresses already checked, so the socket goes
 * where the policy looked and a second DNS answer cannot send it elsewhere.
 */
export function pinnedLookup(addresses: readonly ResolvedAddress[]): LookupFunction {
  return (_hostname, options, callback) => {
    const wanted = options.family === 4 || options.family === 6 ? options.family : 0;
    const matching = addresses.filter((a) => wanted === 0 || a.family === wanted);
    const answer = matching.length > 0 ? matching : addresses;
    const first = answer[0];
    if (options.all)
      callback(
        null,
        answer.map((a) => ({ ...a })),
      );
    else if (first) callback(null, first.address, first.family);
    else callback(Object.assign(new Error('no address'), { code: 'ENOTFOUND' }), '');
  };
}
