import type { DeviceProfile } from './device-profile.js';

/**
 * Real devices, the systems they run and the official Telegram app of their family, in exactly the shape
 * each app sends in its InitConnection. Where the shapes come from:
 *
 * - Android (DrKLO/Telegram, `ConnectionsManager.java`): `deviceModel = Build.MANUFACTURER + Build.MODEL`
 *   (joined without a space: `samsungSM-S918B`), `systemVersion = "SDK " + Build.VERSION.SDK_INT`,
 *   `appVersion = versionName + " (" + versionCode + ")"`, language codes lower-cased. The version pairs are
 *   the app's own `APP_VERSION_NAME`/`APP_VERSION_CODE` (gradle.properties) of released versions.
 * - iOS (TelegramMessenger/Telegram-iOS, `MTApiEnvironment.m`): the device's marketing name
 *   (`iPhone 13 Pro`), `UIDevice.systemVersion` (`17.5.1`), `appVersion = "%@ (%@)"` of
 *   CFBundleShortVersionString and CFBundleVersion, the system language from `NSLocale.preferredLanguages`.
 *   The build numbers (set by Telegram's CI, not in the repository) are of the five-digit size they carry.
 * - Telegram Desktop (telegramdesktop/tdesktop, `platform/{win,mac,linux}/info_*.cpp`): Windows says
 *   `Windows 10`/`Windows 11` and a model from SMBIOS (`Desktop` when it has none), with `" x64"` after the
 *   app version on 64-bit Windows (as gotd/td's DeviceTDesktopWindows and opentele's TelegramDesktop send);
 *   macOS says `macOS 14.5` and the Mac's model name; Linux says `Linux`, the desktop, the display server
 *   and the C library (`Linux GNOME Wayland glibc 2.39`) with the DMI product or chassis as the model.
 *
 * Each device lists only systems it shipped with or was updated to.
 */

/** The app family a profile belongs to: which official Telegram app it imitates. */
export type DeviceFamily = 'android' | 'ios' | 'desktop';

/** One real device: its model as its app names it, and the systems it runs. */
export interface CatalogueDevice {
  readonly family: DeviceFamily;
  readonly deviceModel: string;
  /** System versions the model shipped with or was updated to, in the family's format. */
  readonly systems: readonly string[];
}

/** The formats each family's app sends; a profile of the catalogue always matches its family's. */
export const FAMILY_FORMATS: Readonly<Record<DeviceFamily, { readonly system: RegExp; readonly app: RegExp }>> = Object.freeze({
  android: { system: /^SDK \d{2}$/, app: /^\d+\.\d+\.\d+ \(\d{4}\)$/ },
  ios: { system: /^\d{2}\.\d+(\.\d+)?$/, app: /^\d+\.\d+(\.\d+)? \(\d{5}\)$/ },
  desktop: { system: /^(Windows 1[01]|macOS 1[45]\.\d+|Linux [A-Za-z]+ (Wayland|X11) glibc 2\.\d+)$/, app: /^\d+\.\d+\.\d+( x64)?$/ },
});

const android = (deviceModel: string, ...sdks: number[]): CatalogueDevice => ({ family: 'android', deviceModel, systems: sdks.map((sdk) => `SDK ${sdk}`) });
const iphone = (deviceModel: string, ...systems: string[]): CatalogueDevice => ({ family: 'ios', deviceModel, systems });
const desktop = (deviceModel: string, ...systems: string[]): CatalogueDevice => ({ family: 'desktop', deviceModel, systems });

/** The devices profiles are drawn from. SDK 33 is Android 13, 34 is 14, 35 is 15. */
export const CATALOGUE_DEVICES: readonly CatalogueDevice[] = Object.freeze([
  android('samsungSM-S918B', 33, 34, 35), // Galaxy S23 Ultra: Android 13 at launch
  android('samsungSM-S928B', 34, 35), // Galaxy S24 Ultra: Android 14 at launch
  android('samsungSM-A546B', 33, 34), // Galaxy A54 5G: Android 13 at launch
  android('samsungSM-G991B', 31, 32, 33, 34), // Galaxy S21 5G: Android 11 at launch, 12 (31) on
  android('GooglePixel 7a', 33, 34, 35), // Android 13 at launch
  android('GooglePixel 8', 34, 35), // Android 14 at launch
  android('Xiaomi2201123G', 31, 33, 34), // Xiaomi 12: Android 12 at launch
  android('OnePlusCPH2449', 33, 34), // OnePlus 11: Android 13 at launch
  iphone('iPhone 12', '16.7.2', '17.5.1', '18.1'), // iOS 14 at launch
  iphone('iPhone 13 Pro', '16.6', '17.4.1', '18.0.1'), // iOS 15 at launch
  iphone('iPhone 14', '16.3.1', '17.6.1', '18.1.1'), // iOS 16 at launch
  iphone('iPhone 15 Pro Max', '17.1.2', '17.5.1', '18.2'), // iOS 17 at launch
  iphone('iPhone 11', '16.7.5', '17.3.1'), // iOS 13 at launch
  desktop('Desktop', 'Windows 10', 'Windows 11'),
  desktop('Lenovo ThinkPad T14 Gen 3', 'Windows 10', 'Windows 11'),
  desktop('HP EliteBook 840 G8', 'Windows 10', 'Windows 11'),
  desktop('MacBook Pro', 'macOS 14.5', 'macOS 15.1'),
  desktop('MacBook Air', 'macOS 14.6', 'macOS 15.0'),
  desktop('ThinkPad X1 Carbon Gen 9', 'Linux GNOME Wayland glibc 2.39', 'Linux KDE X11 glibc 2.35'),
]);

/** Released versions of each family's official app, in the shape it sends. */
export const APP_VERSIONS: Readonly<Record<DeviceFamily, readonly string[]>> = Object.freeze({
  android: ['10.14.5 (4945)', '11.4.2 (5469)', '11.7.0 (5663)', '11.9.0 (5837)'],
  ios: ['10.14 (28906)', '11.3 (29610)', '11.5.2 (29926)'],
  desktop: ['5.6.3', '5.8.3', '5.9.0', '5.12.3'],
});

/** Languages a profile speaks: the app's (`langCode`) and the system's (`systemLangCode`). */
const LANGUAGES: readonly { readonly app: string; readonly system: string }[] = [
  { app: 'en', system: 'en-US' },
  { app: 'en', system: 'en-GB' },
  { app: 'de', system: 'de-DE' },
  { app: 'es', system: 'es-ES' },
  { app: 'pt-br', system: 'pt-BR' },
];

/** Telegram Desktop adds ` x64` to its version on 64-bit Windows only. */
const desktopAppVersion = (version: string, system: string) => (system.startsWith('Windows') ? `${version} x64` : version);

/** The profile of `device` on `system` with app version `app` (of the device's family) and `language`. */
function profileOf(device: CatalogueDevice, system: string, app: string, language: { readonly app: string; readonly system: string }): DeviceProfile {
  // Telegram for Android lower-cases both language codes (ConnectionsManager.java).
  const systemLangCode = device.family === 'android' ? language.system.toLowerCase() : language.system;
  return Object.freeze({
    deviceModel: device.deviceModel,
    systemVersion: system,
    appVersion: device.family === 'desktop' ? desktopAppVersion(app, system) : app,
    langCode: language.app,
    systemLangCode,
  });
}

/** Every profile the catalogue can hand out (each device × its systems × its family's app versions × languages). */
export function catalogueProfiles(): DeviceProfile[] {
  return CATALOGUE_DEVICES.flatMap((device) =>
    device.systems.flatMap((system) => APP_VERSIONS[device.family].flatMap((app) => LANGUAGES.map((language) => profileOf(device, system, app, language)))),
  );
}

/** The family whose format `profile` matches, or undefined for a profile no official app would send. */
export function deviceFamilyOf(profile: DeviceProfile): DeviceFamily | undefined {
  return (Object.keys(FAMILY_FORMATS) as DeviceFamily[]).find((family) => {
    const format = FAMILY_FORMATS[family];
    return format.system.test(profile.systemVersion) && format.app.test(profile.appVersion);
  });
}

const pick = <T>(items: readonly T[], random: () => number): T => items[Math.min(items.length - 1, Math.floor(random() * items.length))] as T;

/**
 * A realistic profile drawn from the catalogue: a device, then a system it runs, an app version of its
 * family and a language, each uniformly at random.
 */
export function pickDeviceProfile(random: () => number = Math.random): DeviceProfile {
  const device = pick(CATALOGUE_DEVICES, random);
  return profileOf(device, pick(device.systems, random), pick(APP_VERSIONS[device.family], random), pick(LANGUAGES, random));
}
