import { createCipheriv, createDecipheriv, randomBytes, scryptSync } from 'node:crypto';

/** Encrypts and decrypts GramJS session strings at rest. */
export interface SessionCipher {
  /** Returns a versioned text envelope of `plain`. */
  encrypt(plain: string): string;
  /** Returns the plaintext of an envelope made by `encrypt`; throws SessionDecryptError otherwise. */
  decrypt(envelope: string): string;
}

export interface SessionCipherOptions {
  /**
   * scrypt cost parameter N (a power of two). Lower it only in tests.
   * @default 16384
   */
  scryptCost?: number;
  /**
   * How many derived keys (one per salt) are kept, so decrypting many sessions derives each key once.
   * @default 256
   */
  keyCacheSize?: number;
}

/** Why an envelope could not be opened; the message never says more than this. */
export type SessionDecryptReason = 'malformed' | 'unsupported_version' | 'authentication_failed';

export class SessionDecryptError extends Error {
  override readonly name = 'SessionDecryptError';
  constructor(
    readonly reason: SessionDecryptReason,
    options?: { cause?: unknown },
  ) {
    super(
      'the session cannot be decrypted: SESSION_SECRET is not the one it was encrypted with, or the data is damaged',
      options,
    );
  }
}

export class SessionSecretError extends Error {
  override readonly name = 'SessionSecretError';
  constructor() {
    super('SESSION_SECRET must not be empty');
  }
}

const VERSION = 'v1';
const SALT_BYTES = 16;
const IV_BYTES = 12;
const TAG_BYTES = 16;
const KEY_BYTES = 32;
/** The version is authenticated too, so an envelope cannot be relabelled. */
const AAD = Buffer.from(`switchboard-session:${VERSION}`);
const BASE64 = /^[A-Za-z0-9+/]*={0,2}$/;

function decodePart(part: string | undefined, expectedBytes?: number): Buffer {
  if (part === undefined || !BASE64.test(part)) throw new SessionDecryptError('malformed');
  const bytes = Buffer.from(part, 'base64');
  if (expectedBytes !== undefined && bytes.length !== expectedBytes) throw new SessionDecryptError('malformed');
  return bytes;
}

/**
 * AES-256-GCM with a key derived from `secret` by scrypt. Envelope: `v1:<salt>:<iv>:<tag>:<ciphertext>`
 * (base64 parts). The salt travels in the envelope, so the secret alone opens every envelope; one
 * random salt is used per cipher instance so that encrypting many sessions derives a key once.
 */
export function createSessionCipher(secret: string, options: SessionCipherOptions = {}): SessionCipher {
  const { scryptCost = 16384, keyCacheSize = 256 } = options;
  if (secret.length === 0) throw new SessionSecretError();
  const keys = new Map<string, Buffer>();

  const keyFor = (salt: Buffer): Buffer => {
    const id = salt.toString('base64');
    const cached = keys.get(id);
    if (cached) return cached;
    const key = scryptSync(secret, salt, KEY_BYTES, { N: scryptCost, r: 8, p: 1, maxmem: 256 * scryptCost * 8 });
    if (keys.size >= keyCacheSize) {
      // Maps iterate in insertion order: dropping the first entry evicts the oldest key.
      const oldest = keys.keys().next();
      if (!oldest.done) keys.delete(oldest.value);
    }
    keys.set(id, key);
    return key;
  };

  let ownSalt: Buffer | undefined;

  return {
    encrypt(plain) {
      ownSalt ??= randomBytes(SALT_BYTES);
      const iv = randomBytes(IV_BYTES);
      const cipher = createCipheriv('aes-256-gcm', keyFor(ownSalt), iv, { authTagLength: TAG_BYTES });
      cipher.setAAD(AAD);
      const body = Buffer.concat([cipher.update(plain, 'utf8'), cipher.final()]);
      const tag = cipher.getAuthTag();
      return [VERSION, ownSalt, iv, tag, body].map((p) => (typeof p === 'string' ? p : p.toString('base64'))).join(':');
    },

    decrypt(envelope) {
      const parts = envelope.split(':');
      if (parts.length !== 5) throw new SessionDecryptError('malformed');
      if (parts[0] !== VERSION) throw new SessionDecryptError('unsupported_version');
      const salt = decodePart(parts[1], SALT_BYTES);
      const iv = decodePart(parts[2], IV_BYTES);
      const tag = decodePart(parts[3], TAG_BYTES);
      const body = decodePart(parts[4]);
      try {
        const decipher = createDecipheriv('aes-256-gcm', keyFor(salt), iv, { authTagLength: TAG_BYTES });
        decipher.setAAD(AAD);
        decipher.setAuthTag(tag);
        return Buffer.concat([decipher.update(body), decipher.final()]).toString('utf8');
      } catch (error) {
        throw new SessionDecryptError('authentication_failed', { cause: error });
      }
    },
  };
}
