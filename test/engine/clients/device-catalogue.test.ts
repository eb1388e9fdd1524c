import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  APP_VERSIONS,
  CATALOGUE_DEVICES,
  catalogueProfiles,
  deviceFamilyOf,
  FAMILY_FORMATS,
  pickDeviceProfile,
  type DeviceFamily,
} from '../../../src/engine/clients/device-catalogue.js';
import { DEFAULT_DEVICE_PROFILE, storedDeviceProfile } from '../../../src/engine/clients/device-profile.js';

const profiles = catalogueProfiles();
const key = (p: object) => JSON.stringify(p);
const known = new Set(profiles.map(key));
const familyOfModel = new Map(CATALOGUE_DEVICES.map((d) => [d.deviceModel, d.family]));
/** A random source from a list of draws in [0, 1), cycling. */
const source = (draws: number[]) => {
  let i = 0;
  return () => draws[i++ % draws.length] ?? 0;
};

describe('Unit: device catalogue', () => {
  it('does keep every profile consistent: its device, system and app version all belong to one family', () => {
    expect(profiles.length).toBeGreaterThan(100);
    for (const profile of profiles) {
      const family = familyOfModel.get(profile.deviceModel);
      expect(family, profile.deviceModel).toBeDefined();
      // The formats exclude one another, so the family a profile's versions match is its device's and no other.
      const matching = (Object.keys(FAMILY_FORMATS) as DeviceFamily[]).filter(
        (f) => FAMILY_FORMATS[f].system.test(profile.systemVersion) && FAMILY_FORMATS[f].app.test(profile.appVersion),
      );
      expect(matching, key(profile)).toEqual([family]);
      expect(deviceFamilyOf(profile)).toBe(family);
      expect(CATALOGUE_DEVICES.find((d) => d.deviceModel === profile.deviceModel)?.systems).toContain(profile.systemVersion);
    }
  });

  it('does give each family only its own app versions, Windows alone the " x64" suffix', () => {
    for (const profile of profiles) {
      const family = familyOfModel.get(profile.deviceModel)!;
      const bare = profile.appVersion.replace(/ x64$/, '');
      expect(APP_VERSIONS[family]).toContain(bare);
      expect(profile.appVersion.endsWith(' x64')).toBe(profile.systemVersion.startsWith('Windows'));
    }
  });

  it('does lower-case the language codes of Android profiles only, as Telegram for Android does', () => {
    for (const profile of profiles) {
      const android = familyOfModel.get(profile.deviceModel) === 'android';
      expect(profile.langCode).toBe(profile.langCode.toLowerCase());
      expect(profile.systemLangCode === profile.systemLangCode.toLowerCase()).toBe(android);
    }
  });

  it('does draw only catalogue profiles, whatever the random source says', () => {
    fc.assert(
      fc.property(fc.array(fc.double({ min: 0, max: 1, maxExcluded: true, noNaN: true }), { minLength: 1, maxLength: 8 }), (draws) => {
        expect(known.has(key(pickDeviceProfile(source(draws))))).toBe(true);
      }),
    );
  });

  it('does reach every family', () => {
    const families = new Set(Array.from({ length: 200 }, (_, i) => deviceFamilyOf(pickDeviceProfile(source([i / 200, (i * 7) % 13 / 13])))));
    expect(families).toEqual(new Set(['android', 'ios', 'desktop']));
  });

  it('does name no family for what no official app sends (GramJS defaults: the host OS, app 1.0)', () => {
    expect(deviceFamilyOf(DEFAULT_DEVICE_PROFILE)).toBe('desktop');
    expect(deviceFamilyOf({ ...DEFAULT_DEVICE_PROFILE, systemVersion: 'Linux 6.8.0-49-generic', appVersion: '1.0' })).toBeUndefined();
  });

  it('does read a stored profile back, and nothing from an incomplete one', () => {
    const profile = profiles[0]!;
    expect(storedDeviceProfile(JSON.parse(JSON.stringify(profile)))).toEqual(profile);
    expect(storedDeviceProfile({ ...profile, appVersion: '' })).toBeNull();
    expect(storedDeviceProfile(null)).toBeNull();
    expect(storedDeviceProfile('Desktop')).toBeNull();
  });
});
