import { BlockList, isIP } from 'node:net';

/** Why an address may not be fetched. */
export type AddressCategory =
  | 'metadata'
  | 'broadcast'
  | 'unspecified'
  | 'loopback'
  | 'private'
  | 'link_local'
  | 'shared'
  | 'multicast'
  | 'reserved'
  | 'invalid';

export type AddressVerdict =
  | { allowed: true }
  | {
      allowed: false;
      category: AddressCategory;
      /** e.g. "10.0.0.1 is a private network address" */ description: string;
    };

export interface AddressPolicyOptions {
  /** Allow every address and name (KINO_IMPORT_ALLOW_PRIVATE=1: tests, development). */
  allowPrivate: boolean;
}

const WORDS: Record<AddressCategory, string> = {
  metadata: 'a cloud metadata endpoint',
  broadcast: 'the broadcast address',
  unspecified: 'an unspecified address',
  loopback: 'a loopback address',
  private: 'a private network address',
  link_local: 'a link-local address',
  shared: 'a carrier-grade NAT address',
  multicast: 'a multicast address',
  reserved: 'a reserved address, not reachable on the internet',
  invalid: 'not an IP address',
};

type Rule = [category: AddressCategory, network: string, prefix: number];

// The first matching category names the refusal, so the narrow rules come first.
const V4_RULES: Rule[] = [
  ['metadata', '169.254.169.254', 32],
  ['metadata', '169.254.170.2', 32], // ECS task metadata
  ['metadata', '100.100.100.200', 32], // Alibaba Cloud
  ['broadcast', '255.255.255.255', 32],
  ['unspecified', '0.0.0.0', 8],
  ['loopback', '127.0.0.0', 8],
  ['private', '10.0.0.0', 8],
  ['private', '172.16.0.0', 12],
  ['private', '192.168.0.0', 16],
  ['link_local', '169.254.0.0', 16],
  ['shared', '100.64.0.0', 10],
  ['multicast', '224.0.0.0', 4],
  ['reserved', '240.0.0.0', 4],
  ['reserved', '192.0.0.0', 24],
  ['reserved', '192.0.2.0', 24],
  ['reserved', '192.88.99.0', 24],
  ['reserved', '198.18.0.0', 15],
  ['reserved', '198.51.100.0', 24],
  ['reserved', '203.0.113.0', 24],
];

const V6_RULES: Rule[] = [
  ['metadata', 'fd00:ec2::254', 128],
  ['unspecified', '::', 128],
  ['loopback', '::1', 128],
  ['private', 'fc00::', 7],
  ['private', 'fec0::', 10], // site-local, the deprecated private range
  ['link_local', 'fe80::', 10],
  ['multicast', 'ff00::', 8],
  ['reserved', '::', 96], // IPv4-compatible, deprecated
  ['reserved', '::ffff:0:0:0', 96], // IPv4-translated
  ['reserved', '64:ff9b:1::', 48], // local-use NAT64
  ['reserved', '100::', 64], // discard-only
  ['reserved', '2001::', 23], // protocol assignments, Teredo among them
  ['reserved', '2001:db8::', 32],
  ['reserved', '3fff::', 20],
];

/** IPv6 forms that carry an IPv4 address, each with the length of its prefix before the IPv4 bits. */
function embeddedV4Rules([category, network, prefix]: Rule): Rule[] {
  const [a = 0, b = 0, c = 0, d = 0] = network.split('.').map(Number);
  const hex = (hi: number, lo: number): string => ((hi << 8) | lo).toString(16);
  return [
    [category, `::ffff:${network}`, 96 + prefix], // IPv4-mapped
    [category, `64:ff9b::${network}`, 96 + prefix], // NAT64
    [category, `2002:${hex(a, b)}:${hex(c, d)}::`, 16 + prefix], // 6to4
  ];
}

const lists = new Map<AddressCategory, BlockList>();
function add([category, network, prefix]: Rule, family: 'ipv4' | 'ipv6'): void {
  let list = lists.get(category);
  if (!list) lists.set(category, (list = new BlockList()));
  list.addSubnet(network, prefix, family);
}
for (const rule of V4_RULES) {
  add(rule, 'ipv4');
  for (const v6 of embeddedV4Rules(rule)) add(v6, 'ipv6');
}
for (const rule of V6_RULES) add(rule, 'ipv6');

// Outside these, an IPv6 address is not a global unicast one.
const GLOBAL_V6 = new BlockList();
GLOBAL_V6.addSubnet('2000::', 3, 'ipv6');
GLOBAL_V6.addSubnet('::ffff:0:0', 96, 'ipv6');
GLOBAL_V6.addSubnet('64:ff9b::', 96, 'ipv6');

const METADATA_NAMES = new Set([
  'metadata.google.internal',
  'metadata.goog',
  'metadata',
  'instance-data',
  'instance-data.ec2.internal',
]);

const ALLOWED: AddressVerdict = { allowed: true };

function refuse(subject: string, category: AddressCategory): AddressVerdict {
  return { allowed: false, category, description: `${subject} is ${WORDS[category]}` };
}

/**
 * Whether a resolved IP address may be fetched: only public unicast addresses may, unless
 * `allowPrivate`. IPv6 forms that embed an IPv4 address (mapped, NAT64, 6to4) are judged by it.
 *
 * @example checkAddress('::ffff:127.0.0.1', { allowPrivate: false }) // { allowed: false, category: 'loopback', ... }
 */
export function checkAddress(address: string, opts: AddressPolicyOptions): AddressVerdict {
  let bare = address.startsWith('[') && address.endsWith(']') ? address.slice(1, -1) : address;
  // A zone (fe80::1%eth0) would make BlockList match nothing.
  if (bare.includes(':')) bare = bare.replace(/%.*$/, '');
  const family = isIP(bare);
  if (family === 0) return refuse(JSON.stringify(address.slice(0, 100)), 'invalid');
  if (opts.allowPrivate) return ALLOWED;
  const type = family === 4 ? 'ipv4' : 'ipv6';
  for (const [category, list] of lists) {
    if (list.check(bare, type)) return refuse(bare, category);
  }
  if (type === 'ipv6' && !GLOBAL_V6.check(bare, 'ipv6')) return refuse(bare, 'reserved');
  return ALLOWED;
}

/**
 * Whether a URL's host name may be looked up at all: IP literals are judged as addresses, and
 * names that only ever lead inside (cloud metadata, localhost) are refused before any DNS query.
 * A name that passes must still have every address it resolves to checked with checkAddress.
 */
export function checkHostname(hostname: string, opts: AddressPolicyOptions): AddressVerdict {
  const bare = hostname.startsWith('[') && hostname.endsWith(']') ? hostname.slice(1, -1) : hostname;
  if (isIP(bare.replace(/%.*$/, '')) !== 0) return checkAddress(bare, opts);
  if (opts.allowPrivate) return ALLOWED;
  const name = bare.toLowerCase().replace(/\.+$/, '');
  if (name === '') return refuse('an empty host name', 'invalid');
  if (METADATA_NAMES.has(name)) return refuse(name, 'metadata');
  if (name === 'localhost' || name.endsWith('.localhost')) return refuse(name, 'loopback');
  return ALLOWED;
}
