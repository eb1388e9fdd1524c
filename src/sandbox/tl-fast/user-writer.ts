import { ID } from './schema.js';
import type { TlLong, TlWriter } from './tl-writer.js';

/** https://core.telegram.org/type/UserStatus */
export type UserStatusFields =
  | { readonly kind: 'empty' }
  | { readonly kind: 'online'; readonly expires: number }
  | { readonly kind: 'offline'; readonly wasOnline: number }
  | { readonly kind: 'recently' | 'lastWeek' | 'lastMonth'; readonly byMe?: boolean };

/**
 * The part of a TL `user` (https://core.telegram.org/constructor/user) the fast writer covers, named as
 * GramJS names the fields, longs as bigints or safe-integer numbers. `undefined` and `false` mean what they mean to GramJS:
 * the flag stays clear and nothing is written. To cover a new field, add it here and to `writeUser` at its
 * place in the schema line, and give the equality tests a generator for it.
 */
export interface UserFields {
  readonly id: TlLong;
  readonly accessHash?: TlLong;
  readonly self?: boolean;
  readonly contact?: boolean;
  readonly mutualContact?: boolean;
  readonly deleted?: boolean;
  readonly bot?: boolean;
  readonly verified?: boolean;
  readonly support?: boolean;
  readonly scam?: boolean;
  readonly fake?: boolean;
  readonly premium?: boolean;
  readonly firstName?: string;
  readonly lastName?: string;
  readonly username?: string;
  readonly phone?: string;
  readonly status?: UserStatusFields;
  /**
   * Shares flag bit 14 with `bot` in the schema. GramJS sets the bit when either is present but writes
   * the int only when this is, so a bot without it does not decode: give bots both.
   */
  readonly botInfoVersion?: number;
  readonly langCode?: string;
}

const bit = (on: boolean | undefined, n: number): number => (on ? 1 << n : 0);
const has = (value: unknown, n: number): number => (value === undefined ? 0 : 1 << n);

/** The `flags` word GramJS computes: every present field sets its bit, fields sharing a bit OR it. */
function userFlags(u: UserFields): number {
  return (
    has(u.accessHash, 0) |
    has(u.firstName, 1) |
    has(u.lastName, 2) |
    has(u.username, 3) |
    has(u.phone, 4) |
    has(u.status, 6) |
    bit(u.self, 10) |
    bit(u.contact, 11) |
    bit(u.mutualContact, 12) |
    bit(u.deleted, 13) |
    bit(u.bot, 14) |
    has(u.botInfoVersion, 14) |
    bit(u.verified, 17) |
    has(u.langCode, 22) |
    bit(u.support, 23) |
    bit(u.scam, 24) |
    bit(u.fake, 26) |
    bit(u.premium, 28)
  );
}

export function writeUserStatus(w: TlWriter, s: UserStatusFields): void {
  switch (s.kind) {
    case 'empty':
      w.uint(ID.userStatusEmpty);
      return;
    case 'online':
      w.uint(ID.userStatusOnline);
      w.int(s.expires);
      return;
    case 'offline':
      w.uint(ID.userStatusOffline);
      w.int(s.wasOnline);
      return;
    case 'recently':
    case 'lastWeek':
    case 'lastMonth':
      w.uint(s.kind === 'recently' ? ID.userStatusRecently : s.kind === 'lastWeek' ? ID.userStatusLastWeek : ID.userStatusLastMonth);
      w.uint(bit(s.byMe, 0));
  }
}

/** A boxed `user`, fields in schema order. */
export function writeUser(w: TlWriter, u: UserFields): void {
  w.uint(ID.user);
  w.uint(userFlags(u));
  // flags2: none of its fields is covered.
  w.uint(0);
  w.long(u.id);
  if (u.accessHash !== undefined) w.long(u.accessHash);
  if (u.firstName !== undefined) w.string(u.firstName);
  if (u.lastName !== undefined) w.string(u.lastName);
  if (u.username !== undefined) w.string(u.username);
  if (u.phone !== undefined) w.string(u.phone);
  if (u.status !== undefined) writeUserStatus(w, u.status);
  if (u.botInfoVersion !== undefined) w.int(u.botInfoVersion);
  if (u.langCode !== undefined) w.string(u.langCode);
}
