// Starts the throwaway Ceph cluster the S3 tests use (packages/testkit/src/ceph) and keeps it
// until Ctrl-C: to try Kino or a test against radosgw by hand, and to see what start-up costs.
// Usage: node --import tsx scripts/ceph.ts   (needs scripts/ensure-system-deps.sh ceph)
import { startCeph } from '@kino/testkit/ceph';

const ceph = await startCeph({
  log: (line) => {
    console.error(line);
  },
});
const storageUrl = `s3://${ceph.bucket}?${new URLSearchParams({
  endpoint: ceph.endpoint,
  region: ceph.region,
  forcePathStyle: 'true',
}).toString()}`;
console.log(`radosgw:             ${ceph.endpoint} (bucket ${ceph.bucket}, storage classes STANDARD and ${ceph.coldStorageClass})
KINO_STORAGE_URL=${storageUrl}
AWS_ACCESS_KEY_ID=${ceph.accessKeyId}
AWS_SECRET_ACCESS_KEY=${ceph.secretAccessKey}
logs:                ${ceph.logDir}
start-up:            ${ceph.startup.totalMs} ms (${Object.entries(ceph.startup.steps)
  .map(([step, ms]) => `${step} ${ms}`)
  .join(', ')})
Ctrl-C stops the daemons and removes the cluster's folder.`);

for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.once(signal, () => {
    void ceph.stop().then(() => process.exit(0));
  });
}
