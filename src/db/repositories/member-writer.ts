import type Database from 'better-sqlite3';
import type { MemberInput, MemberSource, MemberVia } from './member-data.js';

/**
 * The prepared statements that store one member of a page: the user, the membership, the storing
 * account's access hash. Prepared once per connection: they run for every member of every page.
 */
export interface MemberWriter {
  upsertUser(user: MemberInput, now: number): void;
  /** Whether the membership was stored for the first time. */
  insertMembership(chatId: number, user: MemberInput, source: MemberSource, via: MemberVia, now: number): boolean;
  /**
   * Updates a known membership. With `since`, only when it was last seen before `since`; returns whether
   * it changed (so the caller can tell members refreshed in this scrape).
   */
  touchMembership(chatId: number, user: MemberInput, source: MemberSource, via: MemberVia, now: number, since?: number): boolean;
  saveAccessHash(accountId: number, userId: number, accessHash: string, now: number): void;
}

const flag = (value: boolean | undefined): number | null => (value === undefined ? null : value ? 1 : 0);
const known = (value: unknown): number => (value === undefined ? 0 : 1);

/** Everything a full user object (a participants page) tells, so the positional statement applies. */
function isComplete(u: MemberInput): boolean {
  return (
    u.username !== undefined &&
    u.firstName !== undefined &&
    u.lastName !== undefined &&
    u.isBot !== undefined &&
    u.isPremium !== undefined &&
    u.isVerified !== undefined &&
    u.isScam !== undefined &&
    u.isFake !== undefined &&
    u.isDeleted !== undefined &&
    u.lastSeen !== undefined
  );
}

export function createMemberWriter(sqlite: Database.Database): MemberWriter {
  // Status fields move only forward in time: a page read earlier (by a scrape running alongside) never
  // overwrites a newer status. Phone and language code are kept when the new look shows none. A user
  // whose row would not change is not rewritten: most users of a repeated scrape are unchanged.
  const statusSet = `
      status = iif(excluded.status_at >= coalesce(status_at, 0), excluded.status, status),
      was_online_at = iif(excluded.status_at >= coalesce(status_at, 0), excluded.was_online_at, was_online_at),
      status_at = max(coalesce(status_at, 0), excluded.status_at)`;
  // The common case (a participants page: everything about the user is known) binds positionally,
  // which is markedly faster than the named, partial-aware variant.
  type FullUserParams = [
    number, string | null, string | null, string | null, number, number, number, number, number, number,
    string | null, string | null, string, number | null, number, number, number,
  ];
  const upsertFull = sqlite.prepare<FullUserParams>(`
    INSERT INTO users (id, username, first_name, last_name, is_bot, is_premium, is_verified, is_scam, is_fake, is_deleted,
                       phone, lang_code, status, was_online_at, status_at, created_at, updated_at)
    VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
    ON CONFLICT (id) DO UPDATE SET
      username = excluded.username,
      first_name = excluded.first_name,
      last_name = excluded.last_name,
      is_bot = excluded.is_bot,
      is_premium = excluded.is_premium,
      is_verified = excluded.is_verified,
      is_scam = excluded.is_scam,
      is_fake = excluded.is_fake,
      is_deleted = excluded.is_deleted,
      phone = coalesce(excluded.phone, phone),
      lang_code = coalesce(excluded.lang_code, lang_code),
      ${statusSet},
      updated_at = excluded.updated_at
    WHERE username IS NOT excluded.username
       OR first_name IS NOT excluded.first_name
       OR last_name IS NOT excluded.last_name
       OR is_bot IS NOT excluded.is_bot
       OR is_premium IS NOT excluded.is_premium
       OR is_verified IS NOT excluded.is_verified
       OR is_scam IS NOT excluded.is_scam
       OR is_fake IS NOT excluded.is_fake
       OR is_deleted IS NOT excluded.is_deleted
       OR (excluded.phone IS NOT NULL AND phone IS NOT excluded.phone)
       OR (excluded.lang_code IS NOT NULL AND lang_code IS NOT excluded.lang_code)
       OR (excluded.status_at >= coalesce(status_at, 0)
           AND (status IS NOT excluded.status OR was_online_at IS NOT excluded.was_online_at))`);
  const upsertPartial = sqlite.prepare(`
    INSERT INTO users (id, username, first_name, last_name, is_bot, is_premium, is_verified, is_scam, is_fake, is_deleted,
                       phone, lang_code, status, was_online_at, status_at, created_at, updated_at)
    VALUES (@id, @username, @firstName, @lastName, coalesce(@isBot, 0), coalesce(@isPremium, 0), coalesce(@isVerified, 0),
            coalesce(@isScam, 0), coalesce(@isFake, 0), coalesce(@isDeleted, 0), @phone, @langCode,
            @status, @wasOnlineAt, iif(@status IS NULL, NULL, @now), @now, @now)
    ON CONFLICT (id) DO UPDATE SET
      username = iif(@hasUsername, excluded.username, username),
      first_name = iif(@hasFirstName, excluded.first_name, first_name),
      last_name = iif(@hasLastName, excluded.last_name, last_name),
      is_bot = coalesce(@isBot, is_bot),
      is_premium = coalesce(@isPremium, is_premium),
      is_verified = coalesce(@isVerified, is_verified),
      is_scam = coalesce(@isScam, is_scam),
      is_fake = coalesce(@isFake, is_fake),
      is_deleted = coalesce(@isDeleted, is_deleted),
      phone = coalesce(excluded.phone, phone),
      lang_code = coalesce(excluded.lang_code, lang_code),
      status = iif(@status IS NOT NULL AND @now >= coalesce(status_at, 0), @status, status),
      was_online_at = iif(@status IS NOT NULL AND @now >= coalesce(status_at, 0), @wasOnlineAt, was_online_at),
      status_at = iif(@status IS NULL, status_at, max(coalesce(status_at, 0), @now)),
      updated_at = excluded.updated_at
    WHERE (@hasUsername AND username IS NOT excluded.username)
       OR (@hasFirstName AND first_name IS NOT excluded.first_name)
       OR (@hasLastName AND last_name IS NOT excluded.last_name)
       OR is_bot IS NOT coalesce(@isBot, is_bot)
       OR is_premium IS NOT coalesce(@isPremium, is_premium)
       OR is_verified IS NOT coalesce(@isVerified, is_verified)
       OR is_scam IS NOT coalesce(@isScam, is_scam)
       OR is_fake IS NOT coalesce(@isFake, is_fake)
       OR is_deleted IS NOT coalesce(@isDeleted, is_deleted)
       OR (@phone IS NOT NULL AND phone IS NOT @phone)
       OR (@langCode IS NOT NULL AND lang_code IS NOT @langCode)
       OR (@status IS NOT NULL AND @now >= coalesce(status_at, 0)
           AND (status IS NOT @status OR was_online_at IS NOT @wasOnlineAt))`);

  // A membership found through the member list keeps `participants`; `via` keeps the first way found,
  // except that a member list or search replaces `messages` (it says more). Role and join date are
  // what the latest member list says; message authors leave them alone.
  const insertMember = sqlite.prepare<[number, number, MemberSource, MemberVia, string | null, number | null, number, number]>(
    `INSERT INTO chat_members (chat_id, user_id, source, via, role, joined_at, first_seen_at, last_seen_at)
     VALUES (?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING`,
  );
  const touchSet = `
     last_seen_at = max(last_seen_at, @now),
     source = iif(source = 'participants', source, @source),
     via = iif(via IS NULL OR (via = 'messages' AND @via != 'messages'), @via, via),
     role = iif(@hasRole, @role, role),
     joined_at = iif(@hasRole, @joinedAt, joined_at)`;
  const touchMember = sqlite.prepare(`UPDATE chat_members SET ${touchSet} WHERE chat_id = @chatId AND user_id = @userId`);
  const touchFresh = sqlite.prepare(
    `UPDATE chat_members SET ${touchSet} WHERE chat_id = @chatId AND user_id = @userId AND last_seen_at < @since`,
  );
  const upsertHash = sqlite.prepare<[number, number, string, number]>(`
    INSERT INTO user_access_hashes (account_id, user_id, access_hash, updated_at) VALUES (?, ?, ?, ?)
    ON CONFLICT (account_id, user_id) DO UPDATE SET access_hash = excluded.access_hash, updated_at = excluded.updated_at
    WHERE access_hash IS NOT excluded.access_hash`);

  const membershipParams = (chatId: number, u: MemberInput, source: MemberSource, via: MemberVia, now: number) => ({
    chatId,
    userId: u.id,
    source,
    via,
    now,
    hasRole: known(u.role),
    role: u.role ?? null,
    joinedAt: u.joinedAt ?? null,
  });

  return {
    upsertUser(u, now) {
      if (isComplete(u)) {
        const seen = u.lastSeen!;
        upsertFull.run(
          u.id, u.username ?? null, u.firstName ?? null, u.lastName ?? null, u.isBot ? 1 : 0, u.isPremium ? 1 : 0,
          u.isVerified ? 1 : 0, u.isScam ? 1 : 0, u.isFake ? 1 : 0, u.isDeleted ? 1 : 0,
          u.phone ?? null, u.langCode ?? null, seen.status, seen.wasOnlineAt ?? null, now, now, now,
        );
        return;
      }
      upsertPartial.run({
        id: u.id,
        username: u.username ?? null,
        firstName: u.firstName ?? null,
        lastName: u.lastName ?? null,
        isBot: flag(u.isBot),
        isPremium: flag(u.isPremium),
        isVerified: flag(u.isVerified),
        isScam: flag(u.isScam),
        isFake: flag(u.isFake),
        isDeleted: flag(u.isDeleted),
        phone: u.phone ?? null,
        langCode: u.langCode ?? null,
        status: u.lastSeen?.status ?? null,
        wasOnlineAt: u.lastSeen?.wasOnlineAt ?? null,
        hasUsername: known(u.username),
        hasFirstName: known(u.firstName),
        hasLastName: known(u.lastName),
        now,
      });
    },
    insertMembership(chatId, u, source, via, now) {
      return insertMember.run(chatId, u.id, source, via, u.role ?? null, u.joinedAt ?? null, now, now).changes > 0;
    },
    touchMembership(chatId, u, source, via, now, since) {
      const params = membershipParams(chatId, u, source, via, now);
      if (since !== undefined) return touchFresh.run({ ...params, since }).changes > 0;
      touchMember.run(params);
      return false;
    },
    saveAccessHash(accountId, userId, accessHash, now) {
      upsertHash.run(accountId, userId, accessHash, now);
    },
  };
}
