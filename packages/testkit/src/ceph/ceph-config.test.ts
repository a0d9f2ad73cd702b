import { describe, expect, it } from 'vitest';
import { cephConfig } from './ceph-config.ts';

const input = {
  fsid: '0b8e3c62-6c1f-4d3e-9d39-4d7f8d6c1a10',
  dir: '/tmp/kino-ceph-1-abc',
  monPort: 40001,
  rgwPort: 40002,
  rgwName: 'rgw.kino',
};

/** The settings of one section, as ceph reads them. */
function settings(text: string, section: string): Map<string, string> {
  const body = text.split(/^\[/m).find((part) => part.startsWith(`${section}]`)) ?? '';
  const pairs = body
    .split('\n')
    .slice(1)
    .flatMap((line) => {
      const match = /^([^=]+?) = (.*)$/.exec(line);
      return match?.[1] === undefined || match[2] === undefined ? [] : [[match[1], match[2]] as const];
    });
  return new Map(pairs);
}

describe('cephConfig', () => {
  const text = cephConfig(input);
  const global = settings(text, 'global');
  const rgw = settings(text, 'client.rgw.kino');

  it('keeps the cluster on loopback, on the ports given', () => {
    expect(global.get('mon host')).toBe('v2:127.0.0.1:40001');
    expect(global.get('public addr')).toBe('127.0.0.1');
    expect(global.get('cluster addr')).toBe('127.0.0.1');
    expect(rgw.get('rgw frontends')).toBe('beast endpoint=127.0.0.1:40002');
  });

  it('makes pools of one replica that one OSD can hold', () => {
    expect(global.get('osd pool default size')).toBe('1');
    expect(global.get('osd pool default min size')).toBe('1');
    expect(global.get('osd crush chooseleaf type')).toBe('0');
    expect(global.get('mon allow pool size one')).toBe('true');
  });

  it('puts every path of the cluster under its folder, the block file beside the OSD folder', () => {
    const paths = [...global.entries()]
      .filter(([, value]) => value.startsWith('/'))
      .map(([, value]) => value);
    expect(paths.length).toBeGreaterThan(4);
    for (const path of paths) expect(path.startsWith(`${input.dir}/`)).toBe(true);
    expect(global.get('bluestore block path')).toBe(`${input.dir}/osd/$cluster-$id.block`);
    expect(global.get('osd data')).toBe(`${input.dir}/osd/$cluster-$id`);
  });

  it('runs without cephx, with connections the monitor accepts without it', () => {
    for (const name of ['auth cluster required', 'auth service required', 'auth client required']) {
      expect(global.get(name)).toBe('none');
    }
    expect(global.get('ms mon client mode')?.split(' ')).toContain('crc');
  });
});
