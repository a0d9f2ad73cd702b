/** A backup command failed for a reason the operator can act on; the message is the one line printed. */
export class BackupError extends Error {
  override name = 'BackupError';
}

/** Something in a backup is missing or not what its manifest says; the message names it. */
export class BackupIntegrityError extends BackupError {
  override name = 'BackupIntegrityError';
}

/** A backup command that cannot run as asked (non-empty target, no passphrase, no backup). */
export class BackupRefusedError extends BackupError {
  override name = 'BackupRefusedError';
}
