import { describe, expect, it } from 'vitest';
import { checkAddress, checkHostname, type AddressCategory } from './address-policy.ts';

const strict = { allowPrivate: false };
const open = { allowPrivate: true };

function category(address: string): AddressCategory | 'allowed' {
  const verdict = checkAddress(address, strict);
  return verdict.allowed ? 'allowed' : verdict.category;
}

describe('checkAddress', () => {
  it.each<[string, AddressCategory]>([
    ['127.0.0.1', 'loopback'],
    ['127.255.255.254', 'loopback'],
    ['10.0.0.1', 'private'],
    ['10.255.255.255', 'private'],
    ['172.16.0.1', 'private'],
    ['172.31.255.255', 'private'],
    ['192.168.1.1', 'private'],
    ['169.254.0.1', 'link_local'],
    ['169.254.169.254', 'metadata'],
    ['169.254.170.2', 'metadata'],
    ['100.100.100.200', 'metadata'],
    ['0.0.0.0', 'unspecified'],
    ['0.1.2.3', 'unspecified'],
    ['100.64.0.1', 'shared'],
    ['100.127.255.255', 'shared'],
    ['224.0.0.1', 'multicast'],
    ['239.255.255.250', 'multicast'],
    ['255.255.255.255', 'broadcast'],
    ['240.0.0.1', 'reserved'],
    ['192.0.2.10', 'reserved'],
    ['198.18.0.1', 'reserved'],
    ['198.51.100.7', 'reserved'],
    ['203.0.113.9', 'reserved'],
  ])('refuses IPv4 %s as %s', (address, expected) => {
    expect(category(address)).toBe(expected);
  });

  it.each<[string, AddressCategory]>([
    ['::1', 'loopback'],
    ['0:0:0:0:0:0:0:1', 'loopback'],
    ['::', 'unspecified'],
    ['fc00::1', 'private'],
    ['fd12:3456:789a::1', 'private'],
    ['fec0::1', 'private'],
    ['fe80::1', 'link_local'],
    ['fe80::1%eth0', 'link_local'],
    ['febf:ffff::1', 'link_local'],
    ['fd00:ec2::254', 'metadata'],
    ['ff02::1', 'multicast'],
    ['ff0e::1', 'multicast'],
    ['2001:db8::1', 'reserved'],
    ['2001:0:4136:e378:8000:63bf:3fff:fdd2', 'reserved'],
    ['100::1', 'reserved'],
    ['3fff::1', 'reserved'],
    ['::127.0.0.1', 'reserved'],
    ['64:ff9b:1::a00:1', 'reserved'],
    ['4000::1', 'reserved'],
    ['[::1]', 'loopback'],
  ])('refuses IPv6 %s as %s', (address, expected) => {
    expect(category(address)).toBe(expected);
  });

  it.each<[string, AddressCategory]>([
    ['::ffff:127.0.0.1', 'loopback'],
    ['::ffff:7f00:1', 'loopback'],
    ['0:0:0:0:0:ffff:7f00:1', 'loopback'],
    ['::ffff:10.1.2.3', 'private'],
    ['::ffff:192.168.0.1', 'private'],
    ['::ffff:169.254.169.254', 'metadata'],
    ['::ffff:0.0.0.0', 'unspecified'],
    ['::ffff:100.64.1.1', 'shared'],
    ['::ffff:224.0.0.1', 'multicast'],
    ['64:ff9b::127.0.0.1', 'loopback'],
    ['64:ff9b::a9fe:a9fe', 'metadata'],
    ['64:ff9b::10.0.0.1', 'private'],
    ['2002:7f00:1::', 'loopback'],
    ['2002:a00:1::1', 'private'],
    ['2002:c0a8:101::1', 'private'],
    ['2002:a9fe:a9fe::', 'metadata'],
    ['2002:ac1f:ffff::1', 'private'],
  ])('refuses the IPv4 embedded in %s as %s', (address, expected) => {
    expect(category(address)).toBe(expected);
  });

  it.each([
    '8.8.8.8',
    '1.1.1.1',
    '93.184.216.34',
    '172.15.255.255',
    '172.32.0.0',
    '100.63.255.255',
    '100.128.0.0',
    '169.253.255.255',
    '192.167.255.255',
    '223.255.255.255',
    '11.0.0.1',
    '2606:4700:4700::1111',
    '2a00:1450:4001:80b::200e',
    '::ffff:8.8.8.8',
    '64:ff9b::8.8.8.8',
    '2002:808:808::1',
    '2001:4860:4860::8888',
  ])('allows the public address %s', (address) => {
    expect(checkAddress(address, strict)).toEqual({ allowed: true });
  });

  it('says why in words, naming the address', () => {
    expect(checkAddress('10.0.0.1', strict)).toEqual({
      allowed: false,
      category: 'private',
      description: '10.0.0.1 is a private network address',
    });
    expect(checkAddress('169.254.169.254', strict)).toMatchObject({
      description: '169.254.169.254 is a cloud metadata endpoint',
    });
  });

  it('refuses what is not an IP address, even when private addresses are allowed', () => {
    for (const text of ['', 'example.com', '1.2.3', '256.1.1.1', '::g', '1.2.3.4.5']) {
      expect(checkAddress(text, strict)).toMatchObject({ allowed: false, category: 'invalid' });
      expect(checkAddress(text, open)).toMatchObject({ allowed: false, category: 'invalid' });
    }
  });

  it('allows every address when private addresses are allowed', () => {
    for (const address of [
      '127.0.0.1',
      '::1',
      '10.0.0.1',
      '169.254.169.254',
      '::ffff:127.0.0.1',
      'fe80::1',
    ]) {
      expect(checkAddress(address, open)).toEqual({ allowed: true });
    }
  });
});

describe('checkHostname', () => {
  it.each<[string, AddressCategory]>([
    ['metadata.google.internal', 'metadata'],
    ['METADATA.Google.Internal.', 'metadata'],
    ['metadata.goog', 'metadata'],
    ['metadata', 'metadata'],
    ['instance-data.ec2.internal', 'metadata'],
    ['localhost', 'loopback'],
    ['localhost.', 'loopback'],
    ['api.localhost', 'loopback'],
    ['127.0.0.1', 'loopback'],
    ['[::1]', 'loopback'],
    ['[::ffff:a9fe:a9fe]', 'metadata'],
    ['', 'invalid'],
  ])('refuses %j as %s', (hostname, expected) => {
    const verdict = checkHostname(hostname, strict);
    expect(verdict.allowed ? 'allowed' : verdict.category).toBe(expected);
  });

  it('leaves other names to the addresses they resolve to', () => {
    for (const name of [
      'example.com',
      'bucket.s3.eu-west-1.amazonaws.com',
      'metadata.example.com',
      '8.8.8.8',
      '[2606:4700::1]',
    ]) {
      expect(checkHostname(name, strict)).toEqual({ allowed: true });
    }
  });

  it('allows every name when private addresses are allowed', () => {
    for (const name of ['metadata.google.internal', 'localhost', '127.0.0.1', '[::1]']) {
      expect(checkHostname(name, open)).toEqual({ allowed: true });
    }
  });
});
