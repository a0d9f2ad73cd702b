import { createCipheriv, createDecipheriv, randomBytes, scrypt, type ScryptOptions } from 'node:crypto';
import { z } from 'zod';
import { BackupError } from './backup-errors.ts';

/** What a backup needs to keep issued API tokens and playback tokens valid after a restore. */
export const backupSecretsSchema = z.object({
  /** The HMAC keys of playback tokens (the `signing_keys` rows). */
  signingKeys: z.array(
    z.object({
      id: z.string(),
      secret: z.string(),
      created_at: z.number(),
      retired_at: z.number().nullable(),
    }),
  ),
  /** The operator key saved in the data folder, when there was one. */
  operatorKey: z.string().nullable(),
});
export type BackupSecrets = z.infer<typeof backupSecretsSchema>;

/** A wrong passphrase, or a secrets file that was altered: AES-GCM cannot tell the two apart. */
export class BackupPassphraseError extends BackupError {
  override name = 'BackupPassphraseError';
}

// scrypt at N=2^15, r=8 takes about 32 MiB and a tenth of a second: cheap once per backup, costly per guess.
const KDF = { N: 2 ** 15, r: 8, p: 1 } as const;
const KEY_BYTES = 32;

const envelopeSchema = z.object({
  format: z.literal('kino-backup-secrets'),
  version: z.literal(1),
  kdf: z.object({
    name: z.literal('scrypt'),
    N: z.number().int(),
    r: z.number().int(),
    p: z.number().int(),
    salt: z.string(),
  }),
  cipher: z.literal('aes-256-gcm'),
  iv: z.string(),
  tag: z.string(),
  data: z.string(),
});

function deriveKey(
  passphrase: string,
  salt: Buffer,
  kdf: { N: number; r: number; p: number },
): Promise<Buffer> {
  const options: ScryptOptions = { ...kdf, maxmem: 256 * kdf.N * kdf.r };
  return new Promise((resolve, reject) => {
    scrypt(passphrase.normalize('NFC'), salt, KEY_BYTES, options, (err, key) => {
      if (err) reject(err);
      else resolve(key);
    });
  });
}

/** Encrypts the secrets with a key derived from the passphrase (scrypt), with AES-256-GCM. */
export async function sealSecrets(secrets: BackupSecrets, passphrase: string): Promise<Buffer> {
  if (passphrase.length < 12)
    throw new BackupPassphraseError('the passphrase must be at least 12 characters');
  const salt = randomBytes(16);
  const iv = randomBytes(12);
  const key = await deriveKey(passphrase, salt, KDF);
  const cipher = createCipheriv('aes-256-gcm', key, iv);
  const data = Buffer.concat([cipher.update(JSON.stringify(secrets), 'utf8'), cipher.final()]);
  const envelope = {
    format: 'kino-backup-secrets',
    version: 1,
    kdf: { name: 'scrypt', ...KDF, salt: salt.toString('base64') },
    cipher: 'aes-256-gcm',
    iv: iv.toString('base64'),
    tag: cipher.getAuthTag().toString('base64'),
    data: data.toString('base64'),
  };
  return Buffer.from(JSON.stringify(envelope));
}

/** Decrypts sealed secrets; a wrong passphrase throws BackupPassphraseError. */
export async function openSecrets(sealed: Buffer, passphrase: string): Promise<BackupSecrets> {
  let envelope: z.infer<typeof envelopeSchema>;
  try {
    envelope = envelopeSchema.parse(JSON.parse(sealed.toString('utf8')));
  } catch {
    throw new BackupPassphraseError('the secrets file of this backup is not readable');
  }
  const { N, r, p, salt } = envelope.kdf;
  // Refuse parameters that would make this process spend unbounded memory or time.
  if (N > 2 ** 20 || r > 32 || p > 16)
    throw new BackupPassphraseError('the secrets file asks for too costly a key derivation');
  const key = await deriveKey(passphrase, Buffer.from(salt, 'base64'), { N, r, p });
  const decipher = createDecipheriv('aes-256-gcm', key, Buffer.from(envelope.iv, 'base64'));
  decipher.setAuthTag(Buffer.from(envelope.tag, 'base64'));
  let plain: Buffer;
  try {
    plain = Buffer.concat([decipher.update(Buffer.from(envelope.data, 'base64')), decipher.final()]);
  } catch {
    throw new BackupPassphraseError(
      'the secrets of this backup do not open with KINO_BACKUP_PASSPHRASE (wrong passphrase, or the file was altered)',
    );
  }
  return backupSecretsSchema.parse(JSON.parse(plain.toString('utf8')));
}
