import { describe, expect, it } from 'vitest';
import { createSessionCipher, SessionDecryptError, SessionSecretError } from '../../src/db/session-crypto.js';

// A low scrypt cost keeps the suite fast; one test below runs the production cost.
const fast = { scryptCost: 1024 };
const session = '1BAAOMTQ5LjE1NC4xNjcuNTEAUGJ0dW1hLXNlc3Npb24tc3RyaW5nLXdpdGgtw7xuaWPDtmRl';

function expectDecryptError(run: () => unknown, reason: SessionDecryptError['reason']): SessionDecryptError {
  let caught: unknown;
  try {
    run();
  } catch (error) {
    caught = error;
  }
  expect(caught).toBeInstanceOf(SessionDecryptError);
  const error = caught as SessionDecryptError;
  expect(error.reason).toBe(reason);
  expect(error.name).toBe('SessionDecryptError');
  expect(error.message).toBe(
    'the session cannot be decrypted: SESSION_SECRET is not the one it was encrypted with, or the data is damaged',
  );
  return error;
}

describe('SessionCipher', () => {
  it('round-trips a session string, unicode included', () => {
    const cipher = createSessionCipher('correct horse battery staple', fast);
    const envelope = cipher.encrypt(session);
    expect(cipher.decrypt(envelope)).toBe(session);
    expect(cipher.decrypt(cipher.encrypt(''))).toBe('');
  });

  it('writes a versioned envelope that never contains the plaintext', () => {
    const cipher = createSessionCipher('secret', fast);
    const envelope = cipher.encrypt(session);
    const parts = envelope.split(':');
    expect(parts).toHaveLength(5);
    expect(parts[0]).toBe('v1');
    expect(Buffer.from(parts[1] ?? '', 'base64')).toHaveLength(16);
    expect(Buffer.from(parts[2] ?? '', 'base64')).toHaveLength(12);
    expect(Buffer.from(parts[3] ?? '', 'base64')).toHaveLength(16);
    expect(envelope).not.toContain(session);
    expect(envelope).not.toContain('secret');
  });

  it('uses a fresh iv for every encryption', () => {
    const cipher = createSessionCipher('secret', fast);
    const a = cipher.encrypt(session);
    const b = cipher.encrypt(session);
    expect(a).not.toBe(b);
    expect(a.split(':')[2]).not.toBe(b.split(':')[2]);
  });

  it('decrypts with another instance built from the same secret (salt travels in the envelope)', () => {
    const envelope = createSessionCipher('shared', fast).encrypt(session);
    expect(createSessionCipher('shared', fast).decrypt(envelope)).toBe(session);
  });

  it('refuses a wrong secret with SessionDecryptError, leaking neither secret nor plaintext', () => {
    const envelope = createSessionCipher('right-secret', fast).encrypt(session);
    const error = expectDecryptError(() => createSessionCipher('wrong-secret', fast).decrypt(envelope), 'authentication_failed');
    expect(error.message).not.toContain('right-secret');
    expect(error.message).not.toContain('wrong-secret');
    expect(error.message).not.toContain(session);
  });

  it('refuses a tampered ciphertext, tag or iv', () => {
    const cipher = createSessionCipher('secret', fast);
    const envelope = cipher.encrypt(session);
    const parts = envelope.split(':');
    for (const index of [2, 3, 4]) {
      const bytes = Buffer.from(parts[index] ?? '', 'base64');
      bytes[0] = (bytes[0] ?? 0) ^ 0x01;
      const tampered = [...parts];
      tampered[index] = bytes.toString('base64');
      expectDecryptError(() => cipher.decrypt(tampered.join(':')), 'authentication_failed');
    }
  });

  it('refuses malformed envelopes and unknown versions', () => {
    const cipher = createSessionCipher('secret', fast);
    const envelope = cipher.encrypt(session);
    expectDecryptError(() => cipher.decrypt('not an envelope'), 'malformed');
    expectDecryptError(() => cipher.decrypt(session), 'malformed');
    expectDecryptError(() => cipher.decrypt(envelope.replace(/^v1:/, 'v1:!!')), 'malformed');
    expectDecryptError(() => cipher.decrypt(envelope.replace(/^v1/, 'v9')), 'unsupported_version');
  });

  it('refuses an empty secret', () => {
    expect(() => createSessionCipher('')).toThrow(SessionSecretError);
  });

});
