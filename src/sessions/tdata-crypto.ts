import { createCipheriv, createDecipheriv, createHash, pbkdf2Sync } from 'node:crypto';

// Telegram Desktop's local encryption (storage/details/storage_file_utilities.cpp in tdesktop; mtcute's
// packages/convert/src/tdesktop/tdata.ts reads it the same way): MTProto 1.0's AES-256-IGE, with the local
// key in place of the auth key and the first 16 bytes of SHA-1 of the plaintext in place of msg_key.

const sha1 = (...parts: Buffer[]) => createHash('sha1').update(Buffer.concat(parts)).digest();

/**
 * MTProto 1.0's AES key and IV from a key and msg_key, in the direction server → client (x = 8), which is
 * what tdesktop's local files use (https://core.telegram.org/mtproto/description_v1#defining-aes-key-and-initialization-vector).
 */
export function oldMtprotoKeyIv(key: Buffer, msgKey: Buffer): { key: Buffer; iv: Buffer } {
  const x = 8;
  const a = sha1(msgKey, key.subarray(x, x + 32));
  const b = sha1(key.subarray(32 + x, 48 + x), msgKey, key.subarray(48 + x, 64 + x));
  const c = sha1(key.subarray(64 + x, 96 + x), msgKey);
  const d = sha1(msgKey, key.subarray(96 + x, 128 + x));
  return {
    key: Buffer.concat([a.subarray(0, 8), b.subarray(8, 20), c.subarray(4, 16)]),
    iv: Buffer.concat([a.subarray(8, 20), b.subarray(0, 8), c.subarray(16, 20), d.subarray(0, 8)]),
  };
}

/** AES-256-IGE (OpenSSL's AES_ige_encrypt: the IV is the previous ciphertext block, then the previous plaintext block). */
export function aesIge(data: Buffer, key: Buffer, iv: Buffer, encrypt: boolean): Buffer {
  if (data.length % 16 !== 0) throw new RangeError('AES-IGE needs whole 16-byte blocks');
  const cipher = encrypt ? createCipheriv('aes-256-ecb', key, null) : createDecipheriv('aes-256-ecb', key, null);
  cipher.setAutoPadding(false);
  const out = Buffer.alloc(data.length);
  let prevCipher = Buffer.from(iv.subarray(0, 16));
  let prevPlain = Buffer.from(iv.subarray(16, 32));
  const block = Buffer.alloc(16);
  for (let i = 0; i < data.length; i += 16) {
    const input = data.subarray(i, i + 16);
    const xorWith = encrypt ? prevCipher : prevPlain;
    for (let j = 0; j < 16; j++) block[j] = (input[j] ?? 0) ^ (xorWith[j] ?? 0);
    const done = cipher.update(block);
    const after = encrypt ? prevPlain : prevCipher;
    for (let j = 0; j < 16; j++) out[i + j] = (done[j] ?? 0) ^ (after[j] ?? 0);
    if (encrypt) {
      prevPlain = Buffer.from(input);
      prevCipher = out.subarray(i, i + 16);
    } else {
      prevCipher = Buffer.from(input);
      prevPlain = out.subarray(i, i + 16);
    }
  }
  return out;
}

/**
 * The key that opens `key_datas`: PBKDF2-HMAC-SHA512 over SHA-512(salt + passcode + salt), 100,000 rounds
 * with a passcode and 1 without (tdesktop's CreateLocalKey).
 */
export function passcodeKey(salt: Buffer, passcode: string): Buffer {
  const hash = createHash('sha512').update(Buffer.concat([salt, Buffer.from(passcode, 'utf8'), salt])).digest();
  return pbkdf2Sync(hash, salt, passcode === '' ? 1 : 100_000, 256, 'sha512');
}

/** Decrypts a local blob: msg_key (16 bytes), then the ciphertext; null when the key is wrong. */
export function decryptLocal(encrypted: Buffer, key: Buffer): Buffer | null {
  if (encrypted.length < 32 || (encrypted.length - 16) % 16 !== 0) return null;
  const msgKey = encrypted.subarray(0, 16);
  const { key: aesKey, iv } = oldMtprotoKeyIv(key, msgKey);
  const plain = aesIge(encrypted.subarray(16), aesKey, iv, false);
  if (!sha1(plain).subarray(0, 16).equals(msgKey)) return null;
  const length = plain.readInt32LE(0);
  if (length < 4 || length > plain.length || length <= plain.length - 16) return null;
  return plain.subarray(4, length);
}

/** Encrypts a local blob (the inverse of decryptLocal); `padding` fills the last block. */
export function encryptLocal(data: Buffer, key: Buffer, padding: (size: number) => Buffer): Buffer {
  const size = data.length + 4;
  const pad = size % 16 === 0 ? Buffer.alloc(0) : padding(16 - (size % 16));
  const plain = Buffer.concat([Buffer.alloc(4), data, pad]);
  plain.writeInt32LE(size, 0);
  const msgKey = sha1(plain).subarray(0, 16);
  const { key: aesKey, iv } = oldMtprotoKeyIv(key, msgKey);
  return Buffer.concat([msgKey, aesIge(plain, aesKey, iv, true)]);
}
