/**
 * How a client presents itself to Telegram in its InitConnection (https://core.telegram.org/method/initConnection):
 * the device, its system, the app version and the languages. Telegram shows it in the account's list of
 * active sessions, and a fleet whose every account says the same thing looks like one.
 */
export interface DeviceProfile {
  /** e.g. `Samsung Galaxy S23`, `iPhone 15 Pro`, `Desktop`. */
  readonly deviceModel: string;
  /** e.g. `SDK 34` (Android), `17.4.1` (iOS), `Windows 11`. */
  readonly systemVersion: string;
  /** The app's version, e.g. `10.14.5 (5107)` or `5.6.3 x64`. */
  readonly appVersion: string;
  /** The app's language, e.g. `en`. */
  readonly langCode: string;
  /** The system's language, e.g. `en-US`. */
  readonly systemLangCode: string;
}

/**
 * What a client says when nothing more specific is known: Telegram Desktop on Windows, in English. Never
 * GramJS's own defaults (the host's OS name and release, app version 1.0), which name the server it runs on.
 * A last resort for clients outside the account registry (tools, tests): every stored account has its own
 * profile from the catalogue (device-catalogue.ts), assigned once.
 */
export const DEFAULT_DEVICE_PROFILE: DeviceProfile = Object.freeze({
  deviceModel: 'Desktop',
  systemVersion: 'Windows 11',
  appVersion: '5.6.3 x64',
  langCode: 'en',
  systemLangCode: 'en-US',
});

const FIELDS = ['deviceModel', 'systemVersion', 'appVersion', 'langCode', 'systemLangCode'] as const;

/** The profile stored with an account (accounts.device, JSON), or null when it is missing or incomplete. */
export function storedDeviceProfile(value: unknown): DeviceProfile | null {
  if (typeof value !== 'object' || value === null) return null;
  const record = value as Record<string, unknown>;
  if (!FIELDS.every((field) => typeof record[field] === 'string' && record[field] !== '')) return null;
  const [deviceModel, systemVersion, appVersion, langCode, systemLangCode] = FIELDS.map((field) => record[field] as string) as [string, string, string, string, string];
  return Object.freeze({ deviceModel, systemVersion, appVersion, langCode, systemLangCode });
}
