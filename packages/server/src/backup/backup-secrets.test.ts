import { describe, expect, it } from 'vitest';
import { BackupPassphraseError, openSecrets, sealSecrets } from './backup-secrets.ts';

const SECRETS = {
  signingKeys: [{ id: 'sk_1', secret: 'very-secret', created_at: 1, retired_at: null }],
  operatorKey: 'kino_op_abc',
};

describe('sealed secrets', () => {
  it('open with the passphrase they were sealed with, and hold no plain text', async () => {
    const sealed = await sealSecrets(SECRETS, 'correct horse battery');
    expect(sealed.toString()).not.toContain('very-secret');
    expect(sealed.toString()).not.toContain('kino_op_abc');
    expect(await openSecrets(sealed, 'correct horse battery')).toEqual(SECRETS);
  });

  it('refuse a wrong passphrase and an altered file with a clear error', async () => {
    const sealed = await sealSecrets(SECRETS, 'correct horse battery');
    await expect(openSecrets(sealed, 'wrong horse battery')).rejects.toThrow(BackupPassphraseError);
    await expect(openSecrets(sealed, 'wrong horse battery')).rejects.toThrow(/KINO_BACKUP_PASSPHRASE/);
    const envelope = JSON.parse(sealed.toString()) as { data: string };
    const data = Buffer.from(envelope.data, 'base64');
    data[0] = (data[0] ?? 0) ^ 1;
    const altered = Buffer.from(JSON.stringify({ ...envelope, data: data.toString('base64') }));
    await expect(openSecrets(altered, 'correct horse battery')).rejects.toThrow(BackupPassphraseError);
    await expect(openSecrets(Buffer.from('junk'), 'correct horse battery')).rejects.toThrow(/not readable/);
  });

  it('refuse a short passphrase', async () => {
    await expect(sealSecrets(SECRETS, 'short')).rejects.toThrow(/at least 12/);
  });
});
