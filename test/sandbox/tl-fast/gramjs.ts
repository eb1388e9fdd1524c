import fc from 'fast-check';
import { Api } from 'telegram';
import type { AdminRightsFields, ParticipantFields } from '../../../src/sandbox/tl-fast/participant-writer.js';
import type { TlLong } from '../../../src/sandbox/tl-fast/tl-writer.js';
import type { UserFields, UserStatusFields } from '../../../src/sandbox/tl-fast/user-writer.js';
import { apiUserStatus } from '../../../src/sandbox/last-seen.js';
import { toLong, type Long } from '../../../src/sandbox/tl-long.js';

/** The GramJS objects the fast writers' fields stand for: what their bytes are compared with. */

const long = (v: TlLong | undefined): Long | undefined => (v === undefined ? undefined : toLong(v));

/** The sandbox's own mapping of status fields to GramJS objects (also what the GramJS path serves). */
export const gramJsStatus = apiUserStatus;

export function gramJsUser(u: UserFields): Api.User {
  return new Api.User({
    ...u,
    id: toLong(u.id),
    accessHash: long(u.accessHash),
    status: u.status === undefined ? undefined : gramJsStatus(u.status),
  });
}

export function gramJsParticipant(p: ParticipantFields): Api.TypeChannelParticipant {
  switch (p.kind) {
    case 'member':
      return new Api.ChannelParticipant({ ...p, userId: toLong(p.userId) });
    case 'self':
      return new Api.ChannelParticipantSelf({ ...p, userId: toLong(p.userId), inviterId: toLong(p.inviterId) });
    case 'creator':
      return new Api.ChannelParticipantCreator({ ...p, userId: toLong(p.userId), adminRights: new Api.ChatAdminRights(p.adminRights) });
    case 'admin':
      return new Api.ChannelParticipantAdmin({
        ...p,
        userId: toLong(p.userId),
        promotedBy: toLong(p.promotedBy),
        inviterId: long(p.inviterId),
        adminRights: new Api.ChatAdminRights(p.adminRights),
      });
  }
}

const META = new Set(['CONSTRUCTOR_ID', 'SUBCLASS_OF_ID', 'className', 'classType', 'originalArgs', 'flags', 'flags2']);

/**
 * A TL object as plain data, for comparing one GramJS built with one GramJS decoded: longs as decimal
 * strings, and absent fields (undefined, null, false: what GramJS treats as "not set") left out.
 */
export function plain(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(plain);
  if (typeof value === 'bigint') return value.toString();
  if (typeof value !== 'object' || value === null) return value;
  if (Buffer.isBuffer(value)) return value.toString('hex');
  const record = value as Record<string, unknown>;
  if (typeof record.CONSTRUCTOR_ID !== 'number') return String(value);
  const out: Record<string, unknown> = { _: record.className };
  for (const key of Object.keys(record)) {
    const v = record[key];
    if (META.has(key) || v === undefined || v === null || v === false) continue;
    out[key] = plain(v);
  }
  return out;
}

// Arbitraries for the writers' fields.

/** Texts as GramJS meets them: short and long (across the 254-byte prefix switch), ASCII, any Unicode, lone surrogates. */
export const anyText = (options: { wellFormed?: boolean } = {}): fc.Arbitrary<string> =>
  fc.oneof(
    fc.string({ maxLength: 40 }),
    fc.string({ minLength: 240, maxLength: 270 }),
    fc.string({ unit: 'binary', maxLength: 120 }),
    ...(options.wellFormed ? [] : [fc.string({ unit: fc.integer({ min: 0, max: 0xffff }).map((c) => String.fromCharCode(c)), maxLength: 100 })]),
  );

export const anyLong: fc.Arbitrary<TlLong> = fc.oneof(
  fc.bigInt({ min: -(1n << 63n), max: (1n << 63n) - 1n }),
  fc.maxSafeInteger(),
  fc.integer({ min: -1000, max: 1000 }),
);

export const anyInt = fc.integer();
const flag = fc.option(fc.boolean(), { nil: undefined });

export const anyStatus: fc.Arbitrary<UserStatusFields> = fc.oneof(
  fc.constant({ kind: 'empty' } as const),
  anyInt.map((expires) => ({ kind: 'online', expires }) as const),
  anyInt.map((wasOnline) => ({ kind: 'offline', wasOnline }) as const),
  fc.record({ kind: fc.constantFrom('recently', 'lastWeek', 'lastMonth'), byMe: flag }, { requiredKeys: ['kind'] }),
);

/**
 * Users with any covered field. `decodable` keeps `bot` and `botInfoVersion` together: they share a flag
 * bit, so either alone serialises (as GramJS does) but cannot be read back.
 */
export function anyUser(options: { decodable?: boolean; wellFormed?: boolean } = {}): fc.Arbitrary<UserFields> {
  const text = anyText(options);
  const user = fc.record(
    {
      id: anyLong,
      accessHash: anyLong,
      self: flag,
      contact: flag,
      mutualContact: flag,
      deleted: flag,
      bot: flag,
      verified: flag,
      support: flag,
      scam: flag,
      fake: flag,
      premium: flag,
      firstName: text,
      lastName: text,
      username: text,
      phone: text,
      status: anyStatus,
      botInfoVersion: anyInt,
      langCode: text,
    },
    { requiredKeys: ['id'] },
  );
  if (!options.decodable) return user;
  return user.map((u) => (u.bot || u.botInfoVersion !== undefined ? { ...u, bot: true, botInfoVersion: u.botInfoVersion ?? 1 } : { ...u, bot: undefined }));
}

export const anyAdminRights: fc.Arbitrary<AdminRightsFields> = fc.record(
  {
    changeInfo: flag,
    postMessages: flag,
    editMessages: flag,
    deleteMessages: flag,
    banUsers: flag,
    inviteUsers: flag,
    pinMessages: flag,
    addAdmins: flag,
    anonymous: flag,
    manageCall: flag,
    other: flag,
    manageTopics: flag,
    postStories: flag,
    editStories: flag,
    deleteStories: flag,
  },
  { requiredKeys: [] },
);

/**
 * Participants of every covered kind. `decodable` keeps an admin's `self` and `inviterId` together: they
 * share a flag bit, so either alone serialises (as GramJS does) but cannot be read back.
 */
export function anyParticipant(options: { decodable?: boolean; wellFormed?: boolean } = {}): fc.Arbitrary<ParticipantFields> {
  const text = anyText(options);
  const admin = fc
    .record(
      {
        kind: fc.constant('admin' as const),
        userId: anyLong,
        promotedBy: anyLong,
        date: anyInt,
        adminRights: anyAdminRights,
        canEdit: flag,
        self: flag,
        inviterId: anyLong,
        rank: text,
      },
      { requiredKeys: ['kind', 'userId', 'promotedBy', 'date', 'adminRights'] },
    )
    .map((a) => (!options.decodable ? a : a.self || a.inviterId !== undefined ? { ...a, self: true, inviterId: a.inviterId ?? 1 } : { ...a, self: undefined }));
  return fc.oneof(
    fc.record(
      { kind: fc.constant('member' as const), userId: anyLong, date: anyInt, subscriptionUntilDate: anyInt },
      { requiredKeys: ['kind', 'userId', 'date'] },
    ),
    fc.record(
      { kind: fc.constant('self' as const), userId: anyLong, inviterId: anyLong, date: anyInt, viaRequest: flag, subscriptionUntilDate: anyInt },
      { requiredKeys: ['kind', 'userId', 'inviterId', 'date'] },
    ),
    fc.record(
      { kind: fc.constant('creator' as const), userId: anyLong, adminRights: anyAdminRights, rank: text },
      { requiredKeys: ['kind', 'userId', 'adminRights'] },
    ),
    admin,
  );
}
