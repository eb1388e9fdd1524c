/**
 * What is recorded of a member and how it is exported (docs: README, Member data). The names of the
 * export columns are the contract: tools downstream read them.
 */

/** How a member was found: the participants list, or as the author of a message. */
export type MemberSource = 'participants' | 'messages';

/** Which way of the scrape found the member first: the member list, a search past the cap, message authors. */
export type MemberVia = 'list' | 'search' | 'messages';

/**
 * Telegram's last-seen classes (https://core.telegram.org/type/UserStatus): `long_ago` stands for
 * userStatusEmpty or no status at all, which Telegram gives for users not seen for a long time.
 */
export const LAST_SEEN_STATUSES = ['online', 'offline', 'recently', 'last_week', 'last_month', 'long_ago'] as const;
export type LastSeenStatus = (typeof LAST_SEEN_STATUSES)[number];

/** A last-seen class as exported: `unknown` when no status was ever read for the user. */
export type ExportStatus = LastSeenStatus | 'unknown';

/** A user's last-seen status as read at `at`. */
export interface LastSeen {
  readonly status: LastSeenStatus;
  /** With `offline`, when the user was last online (epoch ms); with `online`, when they were seen online. */
  readonly wasOnlineAt?: number | null;
}

/** A member's place in a chat as a member list says it. */
export type MemberRole = 'creator' | 'admin' | 'member' | 'banned' | 'left';

/**
 * A user seen in a chat. A field left undefined means "not known here" and keeps the stored value;
 * `null` means "has none" (e.g. the user removed their username). Phone and language code are kept when a
 * later look shows none: whether Telegram shows a phone depends on who looks.
 */
export interface MemberInput {
  readonly id: number;
  readonly username?: string | null;
  readonly firstName?: string | null;
  readonly lastName?: string | null;
  readonly isBot?: boolean;
  readonly isPremium?: boolean;
  readonly isVerified?: boolean;
  readonly isScam?: boolean;
  readonly isFake?: boolean;
  readonly isDeleted?: boolean;
  /** Digits only, as Telegram gives it. */
  readonly phone?: string | null;
  readonly langCode?: string | null;
  readonly lastSeen?: LastSeen;
  /** The access hash the storing account was given for the user (a signed 64-bit integer, as text). */
  readonly accessHash?: string;
  /** From a participant object only. */
  readonly role?: MemberRole;
  /** From a participant object only: when the member joined (epoch ms); null for none (the creator). */
  readonly joinedAt?: number | null;
}

/** The export columns of the contract, in order: the nine of the first export, then member data. */
export const MEMBER_EXPORT_COLUMNS = [
  'user_id',
  'username',
  'first_name',
  'last_name',
  'is_bot',
  'is_premium',
  'source',
  'first_seen_at',
  'last_seen_at',
  'phone',
  'status',
  'was_online_at',
  'role',
  'joined_at',
] as const;

/** Columns `--extra` adds after the contract's. */
export const MEMBER_EXTRA_COLUMNS = ['is_verified', 'is_scam', 'is_fake', 'is_deleted', 'lang_code'] as const;

export type MemberColumn = (typeof MEMBER_EXPORT_COLUMNS)[number] | (typeof MEMBER_EXTRA_COLUMNS)[number];

/** One member of a chat as exported; keys are the column names, times epoch ms (null when unknown). */
export interface MemberExportRow {
  readonly user_id: number;
  readonly username: string | null;
  readonly first_name: string | null;
  readonly last_name: string | null;
  readonly is_bot: boolean;
  readonly is_premium: boolean;
  readonly source: MemberSource;
  readonly first_seen_at: number;
  readonly last_seen_at: number;
  readonly phone: string | null;
  readonly status: ExportStatus;
  readonly was_online_at: number | null;
  readonly role: MemberRole | null;
  readonly joined_at: number | null;
  readonly is_verified: boolean;
  readonly is_scam: boolean;
  readonly is_fake: boolean;
  readonly is_deleted: boolean;
  readonly lang_code: string | null;
}

/** Which members an export keeps; every given condition must hold. */
export interface MemberFilter {
  /**
   * Seen within this many days (whole days, at least 1): online; offline with the last online time
   * within the days; `recently` when ≥ 3; `last_week` when ≥ 7; `last_month` when ≥ 30.
   */
  readonly activeDays?: number;
  readonly noBots?: boolean;
  /** Has a username. */
  readonly withUsername?: boolean;
  readonly premium?: boolean;
  /** Admins and the creator. */
  readonly admins?: boolean;
}

/** What /stats tells of a chat's stored members. */
export interface MemberStats {
  readonly total: number;
  readonly byStatus: Readonly<Record<ExportStatus, number>>;
  readonly withUsername: number;
  readonly withPhone: number;
  readonly premium: number;
  readonly bots: number;
  readonly admins: number;
  readonly scamOrFake: number;
  readonly byVia: Readonly<Record<MemberVia, number>>;
}

/** The days `--active` needs for a class Telegram gives without a time (docs: README, Member data). */
const CLASS_DAYS: Readonly<Partial<Record<LastSeenStatus, number>>> = { recently: 3, last_week: 7, last_month: 30 };

/** Whether a member counts as active within `days` days of `now`: the rule of `--active`. */
export function isActiveWithin(row: Pick<MemberExportRow, 'status' | 'was_online_at'>, days: number, now: number): boolean {
  switch (row.status) {
    case 'online':
      return true;
    case 'offline':
      return row.was_online_at !== null && row.was_online_at >= now - days * 86_400_000;
    case 'recently':
    case 'last_week':
    case 'last_month':
      return days >= (CLASS_DAYS[row.status] ?? Infinity);
    case 'long_ago':
    case 'unknown':
      return false;
  }
}

/** The days `--active` needs for each class, for SQL that has to say the same as `isActiveWithin`. */
export const ACTIVE_CLASS_DAYS = CLASS_DAYS;
