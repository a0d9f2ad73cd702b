import { join } from 'node:path';

export interface CephConfigInput {
  fsid: string;
  /** The cluster's folder: every daemon's data, sockets and logs live under it. */
  dir: string;
  monPort: number;
  rgwPort: number;
  /** The radosgw daemon's name, without `client.`. */
  rgwName: string;
}

/** Size of the OSD's file-backed block device; the file is sparse, so only written bytes use disk. */
const BLOCK_BYTES = 10 * 1024 ** 3;

/**
 * The ceph.conf of a throwaway single-node cluster on loopback: one monitor, one BlueStore OSD on
 * a sparse file, pools of one replica, no authentication, everything under `dir`.
 *
 * @example writeFile(join(dir, 'ceph.conf'), cephConfig({ fsid, dir, monPort, rgwPort, rgwName: 'rgw.kino' }))
 */
export function cephConfig(input: CephConfigInput): string {
  const { dir } = input;
  const global: Record<string, string | number | boolean> = {
    fsid: input.fsid,
    'mon host': `v2:127.0.0.1:${input.monPort}`,
    'mon initial members': 'a',
    'public addr': '127.0.0.1',
    'cluster addr': '127.0.0.1',
    'ms bind ipv6': false,
    'ms bind msgr1': false,
    // Loopback only and thrown away after the tests: no cephx keys to generate and pass around.
    'auth cluster required': 'none',
    'auth service required': 'none',
    'auth client required': 'none',
    // Without cephx a connection can only be crc-protected; daemons ask the monitor for `secure` by default.
    'ms mon client mode': 'crc secure',
    'run dir': join(dir, 'run'),
    // Per process: `ceph` commands that run at once would otherwise fight over one socket.
    'admin socket': join(dir, 'run', '$name.$pid.asok'),
    'log file': join(dir, 'log', '$name.log'),
    'log to stderr': false,
    'err to stderr': false,
    'mon data': join(dir, 'mon', '$cluster-$id'),
    'osd data': join(dir, 'osd', '$cluster-$id'),
    // One OSD: one replica, placed on any OSD rather than on distinct hosts.
    'osd pool default size': 1,
    'osd pool default min size': 1,
    'osd pool default pg num': 8,
    'osd pool default pgp num': 8,
    'osd pool default pg autoscale mode': 'off',
    'osd crush chooseleaf type': 0,
    // The monitor batches map changes for a second by default; one client here, so commit at once.
    'paxos propose interval': 0.05,
    'paxos min wait': 0.01,
    'mon allow pool size one': true,
    'mon allow pool delete': true,
    'mon warn on pool no redundancy': false,
    'osd objectstore': 'bluestore',
    // BlueStore links `block` in the OSD's folder to this file, so it lives beside that folder.
    'bluestore block path': join(dir, 'osd', '$cluster-$id.block'),
    'bluestore block create': true,
    'bluestore block size': BLOCK_BYTES,
    // The smallest target BlueStore accepts; the default (4 GiB) is meant for a whole disk.
    'osd memory target': 939_524_096,
  };
  const rgw: Record<string, string | number | boolean> = {
    'rgw frontends': `beast endpoint=127.0.0.1:${input.rgwPort}`,
    'rgw data': join(dir, 'rgw'),
  };
  return `${section('global', global)}\n${section(`client.${input.rgwName}`, rgw)}`;
}

function section(name: string, settings: Record<string, string | number | boolean>): string {
  const lines = Object.entries(settings).map(([key, value]) => `${key} = ${String(value)}`);
  return `[${name}]\n${lines.join('\n')}\n`;
}
