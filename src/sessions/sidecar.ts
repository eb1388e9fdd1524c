import { z } from 'zod';
import type { Sidecar } from './imported-session.js';
import { SessionReadError } from './session-read-error.js';

const text = z.string().trim().min(1).max(128);

/**
 * The `.json` file that session sellers and converters put beside a Telethon `.session` (same name):
 * `app_id`/`app_hash` are the app credential the session was made with, `device`, `sdk`, `app_version`,
 * `lang_code` and `system_lang_code` the InitConnection fields it used (docs/sandbox.md lists them).
 * Other fields (`twoFA`, `register_time`, …) are ignored; the 2FA password is never kept.
 */
const SIDECAR = z.looseObject({
  app_id: z.coerce.number().int().positive().max(2 ** 31 - 1).optional(),
  app_hash: z.string().regex(/^[0-9a-f]{32}$/i, 'app_hash is 32 hexadecimal digits').optional(),
  device: text.optional(),
  sdk: text.optional(),
  app_version: text.optional(),
  lang_code: z.string().trim().min(1).max(16).optional(),
  system_lang_code: z.string().trim().min(1).max(16).optional(),
  phone: z.union([z.string(), z.number()]).optional(),
});

/** Whether bytes look like a JSON object (a sidecar), before parsing them. */
export const looksLikeJson = (bytes: Uint8Array): boolean => {
  const start = Buffer.from(bytes.subarray(0, 64)).toString('utf8').trimStart();
  return start.startsWith('{');
};

/** Reads a sidecar; a profile is taken only when it names the device (the rest falls back to `defaults`). */
export function readSidecar(bytes: Uint8Array, defaults: { appVersion: string; langCode: string; systemLangCode: string; systemVersion: string }): Sidecar {
  let json: unknown;
  try {
    json = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(bytes));
  } catch (error) {
    throw new SessionReadError('its .json sidecar is not valid JSON', 'sidecar', { cause: error });
  }
  const parsed = SIDECAR.safeParse(json);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new SessionReadError(`its .json sidecar is wrong: ${issue ? `${issue.path.join('.') || 'the file'}: ${issue.message}` : 'not an object'}`, 'sidecar');
  }
  const s = parsed.data;
  if ((s.app_id === undefined) !== (s.app_hash === undefined)) throw new SessionReadError('its .json sidecar has app_id or app_hash without the other', 'sidecar');
  const phoneDigits = s.phone === undefined ? '' : String(s.phone).replace(/\D/g, '');
  return {
    ...(s.device === undefined
      ? {}
      : {
          device: {
            deviceModel: s.device,
            systemVersion: s.sdk ?? defaults.systemVersion,
            appVersion: s.app_version ?? defaults.appVersion,
            langCode: s.lang_code ?? defaults.langCode,
            systemLangCode: s.system_lang_code ?? defaults.systemLangCode,
          },
        }),
    ...(s.app_id !== undefined && s.app_hash !== undefined ? { credentials: { apiId: s.app_id, apiHash: s.app_hash.toLowerCase() } } : {}),
    ...(phoneDigits.length >= 7 ? { phone: `+${phoneDigits}` } : {}),
  };
}
