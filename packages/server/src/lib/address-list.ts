import { BlockList, isIP } from 'node:net';

type Family = 'ipv4' | 'ipv6';

/** An address as the socket reports it, with IPv4-mapped IPv6 (`::ffff:a.b.c.d`) unwrapped to IPv4. */
export function normalizeAddress(ip: string): { address: string; family: Family } | null {
  const mapped = /^::ffff:(\d{1,3}(?:\.\d{1,3}){3})$/i.exec(ip);
  const address = mapped?.[1] ?? ip;
  const version = isIP(address);
  if (version === 0) return null;
  return { address, family: version === 4 ? 'ipv4' : 'ipv6' };
}

/** `10.0.0.0/8`, `2001:db8::/32` or a single address (`203.0.113.7`, `::1`); null when it is neither. */
export function parseCidr(text: string): { address: string; prefix: number; family: Family } | null {
  const [ip = '', bits, extra] = text.trim().split('/');
  if (extra !== undefined) return null;
  const normalized = normalizeAddress(ip);
  if (!normalized) return null;
  const max = normalized.family === 'ipv4' ? 32 : 128;
  if (bits === undefined) return { ...normalized, prefix: max };
  if (!/^\d{1,3}$/.test(bits)) return null;
  let prefix = Number(bits);
  // A mapped IPv6 network (::ffff:10.0.0.0/104) is the IPv4 network it maps.
  if (normalized.family === 'ipv4' && isIP(ip) === 6) prefix -= 96;
  if (prefix < 0 || prefix > max) return null;
  return { ...normalized, prefix };
}

/**
 * A set of addresses and networks, IPv4 and IPv6, matched with node's BlockList.
 *
 * @example new AddressList(['10.0.0.0/8', '2001:db8::/32']).has('10.1.2.3') // true
 */
export class AddressList {
  private readonly list = new BlockList();
  readonly size: number;

  /** Throws RangeError for an entry that is not an address or a network. */
  constructor(entries: readonly string[]) {
    for (const entry of entries) {
      const cidr = parseCidr(entry);
      if (!cidr) throw new RangeError(`not an address or network: '${entry}'`);
      this.list.addSubnet(cidr.address, cidr.prefix, cidr.family);
    }
    this.size = entries.length;
  }

  /** Whether the address is in the set; an unparsable address never is. */
  has(ip: string): boolean {
    const normalized = normalizeAddress(ip);
    return normalized !== null && this.list.check(normalized.address, normalized.family);
  }
}
