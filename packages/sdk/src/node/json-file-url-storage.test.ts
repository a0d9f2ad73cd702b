import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { jsonFileUrlStorage } from './json-file-url-storage.ts';

describe('jsonFileUrlStorage', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'sdk-url-storage-'));
  afterEach(() => {
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('keeps uploads across instances (processes), finds them by fingerprint, and removes them', async () => {
    const file = path.join(dir, 'nested/tus-uploads.json');
    const upload = {
      size: 10,
      metadata: { mediaId: 'med_1' },
      creationTime: '2026-01-01T00:00:00.000Z',
      uploadUrl: 'http://kino/v1/uploads/upl_1',
      parallelUploadUrls: null,
      urlStorageKey: '',
    };
    const key = await jsonFileUrlStorage(file).addUpload('node-file-/a.mp4-10', upload);
    await jsonFileUrlStorage(file).addUpload('node-file-/b.mp4-20', {
      ...upload,
      uploadUrl: 'http://kino/v1/uploads/upl_2',
    });
    expect(fs.statSync(file).mode & 0o777).toBe(0o600);

    const later = jsonFileUrlStorage(file);
    expect(await later.findUploadsByFingerprint('node-file-/a.mp4-10')).toEqual([
      { ...upload, urlStorageKey: key },
    ]);
    expect(await later.findAllUploads()).toHaveLength(2);
    await later.removeUpload(key);
    expect(await later.findUploadsByFingerprint('node-file-/a.mp4-10')).toEqual([]);
    expect(await later.findAllUploads()).toHaveLength(1);
  });
});
