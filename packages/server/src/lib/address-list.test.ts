import { describe, expect, it } from 'vitest';
import { AddressList, normalizeAddress, parseCidr } from './address-list.ts';

describe('parseCidr', () => {
  it.each([
    ['10.0.0.0/8', { address: '10.0.0.0', prefix: 8, family: 'ipv4' }],
    ['203.0.113.7', { address: '203.0.113.7', prefix: 32, family: 'ipv4' }],
    ['2001:db8::/32', { address: '2001:db8::', prefix: 32, family: 'ipv6' }],
    ['::1', { address: '::1', prefix: 128, family: 'ipv6' }],
    [' 192.168.0.0/16 ', { address: '192.168.0.0', prefix: 16, family: 'ipv4' }],
    ['::ffff:10.0.0.0/104', { address: '10.0.0.0', prefix: 8, family: 'ipv4' }],
  ])('reads %s', (text, expected) => {
    expect(parseCidr(text)).toEqual(expected);
  });

  it.each([
    '',
    '10.0.0.0/33',
    '2001:db8::/129',
    '10.0.0/8',
    '10.0.0.0/',
    '10.0.0.0/8/8',
    'example.com',
    '10.0.0.0/-1',
    '10.0.0.0/1e1',
    '::ffff:10.0.0.0/95',
  ])('refuses %j', (text) => {
    expect(parseCidr(text)).toBeNull();
  });
});

describe('AddressList', () => {
  const list = new AddressList(['10.0.0.0/8', '203.0.113.7', '2001:db8::/32']);

  it('matches IPv4 and IPv6 addresses and networks, IPv4-mapped IPv6 as IPv4', () => {
    for (const ip of [
      '10.1.2.3',
      '10.255.255.255',
      '203.0.113.7',
      '2001:db8::1',
      '2001:db8:ffff::',
      '::ffff:10.9.9.9',
    ]) {
      expect(list.has(ip), ip).toBe(true);
    }
    for (const ip of ['11.0.0.1', '203.0.113.8', '2001:db9::1', '::1', '::ffff:11.0.0.1', 'garbage', '']) {
      expect(list.has(ip), ip).toBe(false);
    }
  });

  it('refuses an entry that is not an address or a network', () => {
    expect(() => new AddressList(['10.0.0.0/40'])).toThrow(RangeError);
  });

  it('unwraps IPv4-mapped addresses only', () => {
    expect(normalizeAddress('::ffff:127.0.0.1')).toEqual({ address: '127.0.0.1', family: 'ipv4' });
    expect(normalizeAddress('::1')).toEqual({ address: '::1', family: 'ipv6' });
    expect(normalizeAddress('localhost')).toBeNull();
  });
});
