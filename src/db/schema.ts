import { sql } from 'drizzle-orm';
import { index, integer, primaryKey, sqliteTable, text, uniqueIndex } from 'drizzle-orm/sqlite-core';

/** Epoch milliseconds, the one time unit of the database. */
const ms = <N extends string>(name: N) => integer(name, { mode: 'number' });
const nowMs = sql`(cast(unixepoch('subsec') * 1000 as integer))`;

/**
 * Userbot accounts. `state` is the last state the engine published (engine/types.ts `AccountState`);
 * the sticky parts of it (paused, limited, dead, cooling) are what survives a restart.
 */
export const accounts = sqliteTable(
  'accounts',
  {
    id: integer('id').primaryKey({ autoIncrement: true }),
    phone: text('phone').notNull(),
    label: text('label'),
    /** AES-256-GCM envelope of the GramJS StringSession (db/session-crypto.ts); never plaintext. */
    sessionEnc: text('session_enc'),
    /**
     * Legacy plaintext proxy as JSON ({ type: 'socks5' | 'mtproxy', ... }); moved into `proxyEnc` at start
     * and cleared, since it may hold a password.
     */
    proxy: text('proxy', { mode: 'json' }).$type<Record<string, unknown>>(),
    /** AES-256-GCM envelope of the account's proxy URL (it may hold a password); never plaintext. */
    proxyEnc: text('proxy_enc'),
    /** The proxy's host and port alone, for show (`host:port`); never the password. */
    proxyHost: text('proxy_host'),
    /** The app credential this account's clients use (docs: README, Accounts), assigned once. */
    apiId: integer('api_id'),
    /** AES-256-GCM envelope of the API hash that goes with `apiId`. */
    apiHashEnc: text('api_hash_enc'),
    /** The device profile (engine/clients/device-profile.ts DeviceProfile) sent in InitConnection, assigned once. */
    device: text('device', { mode: 'json' }).$type<Record<string, string>>(),
    /** @SpamBot's last verdict: free | limited (with `spamUntil`, or none: no end date). */
    spamVerdict: text('spam_verdict'),
    /** When a limited verdict ends (epoch ms), null when it has no end date. */
    spamUntil: ms('spam_until'),
    /** When the account was last checked (session alive and @SpamBot), and when it is checked next. */
    checkedAt: ms('checked_at'),
    nextCheckAt: ms('next_check_at'),
    telegramUserId: integer('telegram_user_id'),
    username: text('username'),
    firstName: text('first_name'),
    state: text('state').notNull().default('disconnected'),
    paused: integer('paused', { mode: 'boolean' }).notNull().default(false),
    /** ok | limited | dead: sticky health verdicts (R10) that only an admin clears. */
    health: text('health').notNull().default('ok'),
    cooldownUntil: ms('cooldown_until'),
    /** Why the account is limited or dead, in plain words. */
    stateReason: text('state_reason'),
    lastError: text('last_error'),
    opsTotal: integer('ops_total').notNull().default(0),
    opsFailed: integer('ops_failed').notNull().default(0),
    floodWaits: integer('flood_waits').notNull().default(0),
    lastHealthAt: ms('last_health_at'),
    createdAt: ms('created_at').notNull().default(nowMs),
    updatedAt: ms('updated_at').notNull().default(nowMs),
  },
  (t) => [uniqueIndex('accounts_phone_uq').on(t.phone)],
);

/** Every piece of work is a row here before it runs (R9). */
export const operations = sqliteTable(
  'operations',
  {
    id: integer('id').primaryKey({ autoIncrement: true }),
    kind: text('kind').notNull(),
    params: text('params', { mode: 'json' }).notNull().$type<unknown>(),
    /** The account the requester insisted on, if any. */
    pinnedAccountId: integer('pinned_account_id').references(() => accounts.id, { onDelete: 'set null' }),
    /** The account the engine placed it on last. */
    assignedAccountId: integer('assigned_account_id').references(() => accounts.id, { onDelete: 'set null' }),
    /** queued | running | succeeded | failed | cancelled */
    status: text('status').notNull().default('queued'),
    priority: integer('priority').notNull(),
    attempts: integer('attempts').notNull().default(0),
    checkpoint: text('checkpoint', { mode: 'json' }).$type<unknown>(),
    progressDone: integer('progress_done').notNull().default(0),
    progressTotal: integer('progress_total'),
    result: text('result', { mode: 'json' }).$type<unknown>(),
    errorKind: text('error_kind'),
    errorMessage: text('error_message'),
    requestedBy: integer('requested_by'),
    reportChatId: integer('report_chat_id'),
    reportMessageId: integer('report_message_id'),
    /** Groups the operations of one /bulk request. */
    parentId: integer('parent_id'),
    /** Not to be started before this time (retry backoff, cooldown of a pinned account). */
    notBefore: ms('not_before'),
    createdAt: ms('created_at').notNull().default(nowMs),
    startedAt: ms('started_at'),
    finishedAt: ms('finished_at'),
    updatedAt: ms('updated_at').notNull().default(nowMs),
  },
  (t) => [
    index('operations_status_idx').on(t.status, t.priority, t.id),
    index('operations_parent_idx').on(t.parentId),
    index('operations_created_idx').on(t.createdAt),
  ],
);

export const chats = sqliteTable(
  'chats',
  {
    /** Telegram's bare id of the chat (channel id for supergroups and channels). */
    id: integer('id').primaryKey(),
    /** supergroup | channel | group */
    kind: text('kind').notNull(),
    username: text('username'),
    title: text('title'),
    inviteHash: text('invite_hash'),
    membersCount: integer('members_count'),
    membersHidden: integer('members_hidden', { mode: 'boolean' }),
    createdAt: ms('created_at').notNull().default(nowMs),
    updatedAt: ms('updated_at').notNull().default(nowMs),
  },
  (t) => [index('chats_username_idx').on(t.username)],
);

export const users = sqliteTable('users', {
  id: integer('id').primaryKey(),
  username: text('username'),
  firstName: text('first_name'),
  lastName: text('last_name'),
  isBot: integer('is_bot', { mode: 'boolean' }).notNull().default(false),
  isPremium: integer('is_premium', { mode: 'boolean' }).notNull().default(false),
  /** Digits only, when Telegram shows it to the scraping account; null when hidden or unknown. */
  phone: text('phone'),
  /**
   * Last-seen class (docs: README, Member data): online | offline | recently | last_week | last_month |
   * long_ago; null when no user object with a status was seen yet.
   */
  status: text('status'),
  /** With `offline`, when the user was last online; with `online`, when they were seen online. */
  wasOnlineAt: ms('was_online_at'),
  /** When `status` was read from Telegram. */
  statusAt: ms('status_at'),
  isVerified: integer('is_verified', { mode: 'boolean' }).notNull().default(false),
  isScam: integer('is_scam', { mode: 'boolean' }).notNull().default(false),
  isFake: integer('is_fake', { mode: 'boolean' }).notNull().default(false),
  isDeleted: integer('is_deleted', { mode: 'boolean' }).notNull().default(false),
  langCode: text('lang_code'),
  createdAt: ms('created_at').notNull().default(nowMs),
  updatedAt: ms('updated_at').notNull().default(nowMs),
});

/**
 * The access hash each account was given for a user: it differs between accounts, and with it the
 * account can address the user later without resolving it again (https://core.telegram.org/api/peers).
 * Kept as text: it is a signed 64-bit integer, past what a JS number holds.
 */
export const userAccessHashes = sqliteTable(
  'user_access_hashes',
  {
    accountId: integer('account_id')
      .notNull()
      .references(() => accounts.id, { onDelete: 'cascade' }),
    userId: integer('user_id')
      .notNull()
      .references(() => users.id, { onDelete: 'cascade' }),
    accessHash: text('access_hash').notNull(),
    updatedAt: ms('updated_at').notNull(),
  },
  (t) => [primaryKey({ columns: [t.accountId, t.userId] }), index('user_access_hashes_user_idx').on(t.userId)],
);

export const chatMembers = sqliteTable(
  'chat_members',
  {
    chatId: integer('chat_id')
      .notNull()
      .references(() => chats.id, { onDelete: 'cascade' }),
    userId: integer('user_id')
      .notNull()
      .references(() => users.id, { onDelete: 'cascade' }),
    /** participants | messages */
    source: text('source').notNull(),
    /** How the member was first found: list (the member list) | search (a search past the cap) | messages. */
    via: text('via'),
    /** creator | admin | member | banned | left, as the latest member list said; null when not listed. */
    role: text('role'),
    /** When the member joined the chat, as the member list says; null when unknown (or the creator). */
    joinedAt: ms('joined_at'),
    firstSeenAt: ms('first_seen_at').notNull(),
    lastSeenAt: ms('last_seen_at').notNull(),
  },
  (t) => [primaryKey({ columns: [t.chatId, t.userId] })],
);

export const monitors = sqliteTable(
  'monitors',
  {
    id: integer('id').primaryKey({ autoIncrement: true }),
    target: text('target').notNull(),
    chatId: integer('chat_id'),
    accountId: integer('account_id').references(() => accounts.id, { onDelete: 'set null' }),
    /** Case-insensitive words, or /regex/flags strings. */
    keywords: text('keywords', { mode: 'json' }).notNull().$type<string[]>(),
    active: integer('active', { mode: 'boolean' }).notNull().default(true),
    createdBy: integer('created_by'),
    reportChatId: integer('report_chat_id'),
    operationId: integer('operation_id'),
    hits: integer('hits').notNull().default(0),
    createdAt: ms('created_at').notNull().default(nowMs),
    stoppedAt: ms('stopped_at'),
    /**
     * The newest message of the chat its watches have seen (read back, written every few seconds and at the watch's
     * end): a watch armed again catches up on the history after it (docs/several-processes.md, "Monitors").
     */
    lastMessageId: integer('last_message_id'),
  },
  (t) => [index('monitors_active_idx').on(t.active)],
);

export const monitorHits = sqliteTable(
  'monitor_hits',
  {
    id: integer('id').primaryKey({ autoIncrement: true }),
    monitorId: integer('monitor_id')
      .notNull()
      .references(() => monitors.id, { onDelete: 'cascade' }),
    chatId: integer('chat_id').notNull(),
    messageId: integer('message_id').notNull(),
    senderId: integer('sender_id'),
    text: text('text').notNull(),
    keyword: text('keyword').notNull(),
    at: ms('at').notNull(),
  },
  (t) => [uniqueIndex('monitor_hits_uq').on(t.monitorId, t.chatId, t.messageId)],
);

export const schedules = sqliteTable('schedules', {
  id: integer('id').primaryKey({ autoIncrement: true }),
  cron: text('cron').notNull(),
  chatId: integer('chat_id').notNull(),
  createdBy: integer('created_by'),
  active: integer('active', { mode: 'boolean' }).notNull().default(true),
  lastRunAt: ms('last_run_at'),
  createdAt: ms('created_at').notNull().default(nowMs),
});

/** Persisted totals per operation kind (R4). */
export const operationStats = sqliteTable('operation_stats', {
  kind: text('kind').primaryKey(),
  total: integer('total').notNull().default(0),
  succeeded: integer('succeeded').notNull().default(0),
  failed: integer('failed').notNull().default(0),
  cancelled: integer('cancelled').notNull().default(0),
  retries: integer('retries').notNull().default(0),
  floodWaits: integer('flood_waits').notNull().default(0),
  durationMsTotal: integer('duration_ms_total').notNull().default(0),
  durationMsMax: integer('duration_ms_max').notNull().default(0),
  updatedAt: ms('updated_at').notNull().default(nowMs),
});

export const floodEvents = sqliteTable(
  'flood_events',
  {
    id: integer('id').primaryKey({ autoIncrement: true }),
    accountId: integer('account_id').references(() => accounts.id, { onDelete: 'set null' }),
    operationId: integer('operation_id'),
    method: text('method'),
    seconds: integer('seconds').notNull(),
    /** slept | cooled */
    action: text('action').notNull(),
    at: ms('at').notNull(),
  },
  (t) => [index('flood_events_at_idx').on(t.at)],
);

export const auditLog = sqliteTable(
  'audit_log',
  {
    id: integer('id').primaryKey({ autoIncrement: true }),
    userId: integer('user_id'),
    chatId: integer('chat_id'),
    action: text('action').notNull(),
    args: text('args'),
    outcome: text('outcome'),
    at: ms('at').notNull(),
  },
  (t) => [index('audit_log_at_idx').on(t.at)],
);

/** Key-value store for bot conversation state and other small documents. */
export const kv = sqliteTable('kv', {
  key: text('key').primaryKey(),
  value: text('value').notNull(),
  expiresAt: ms('expires_at'),
  updatedAt: ms('updated_at').notNull().default(nowMs),
});

/**
 * Bot API updates the panel took on (src/bot/handled-updates.ts), so an update Telegram delivers again
 * after a crash (it was never confirmed by a getUpdates offset) is not handled twice. Kept two days:
 * Telegram holds an unconfirmed update at most 24 hours.
 */
export const handledUpdates = sqliteTable(
  'handled_updates',
  {
    updateId: integer('update_id').primaryKey(),
    /** The chat to tell when handling was cut short. */
    chatId: integer('chat_id'),
    /** What the update asked for in a word (`/scrape`, `a button`), never its text: it may hold a secret. */
    action: text('action'),
    receivedAt: ms('received_at').notNull(),
    /** Null while the update is being handled: a row still null at start was cut short by a crash. */
    finishedAt: ms('finished_at'),
  },
  (t) => [index('handled_updates_received_idx').on(t.receivedAt)],
);

/**
 * Per-account counters of the actions Telegram limits (join, send, resolve), one row per account and
 * action, for the current window (a day for joins and sends, an hour for look-ups).
 */
export const accountBudgets = sqliteTable(
  'account_budgets',
  {
    accountId: integer('account_id')
      .notNull()
      .references(() => accounts.id, { onDelete: 'cascade' }),
    /** join | send | resolve */
    action: text('action').notNull(),
    /** Start of the window `used` counts in (epoch ms). */
    windowStart: ms('window_start').notNull(),
    used: integer('used').notNull().default(0),
    /** Until when this action's cap is halved (after PEER_FLOOD or a long flood wait), or null. */
    halvedUntil: ms('halved_until'),
  },
  (t) => [primaryKey({ columns: [t.accountId, t.action] })],
);

/** AUTH_KEY_DUPLICATED guard: one live holder of a session at a time. */
export const sessionLeases = sqliteTable('session_leases', {
  accountId: integer('account_id')
    .primaryKey()
    .references(() => accounts.id, { onDelete: 'cascade' }),
  holder: text('holder').notNull(),
  heartbeatAt: ms('heartbeat_at').notNull(),
});

/**
 * The processes that run operations (ROLE `all` or `worker`), as each last reported itself. A worker whose heartbeat
 * is older than the lease time is dead: its accounts go to the others (docs/deploy.md).
 */
export const workers = sqliteTable(
  'workers',
  {
    /** Random per process start, so a restarted worker never inherits the leases of its former self by name. */
    id: text('id').primaryKey(),
    /** WORKER_NAME: how /status names it. */
    name: text('name').notNull(),
    /** all | worker */
    role: text('role').notNull(),
    host: text('host').notNull(),
    pid: integer('pid').notNull(),
    startedAt: ms('started_at').notNull(),
    heartbeatAt: ms('heartbeat_at').notNull(),
    /** When it began a graceful stop: it takes no more accounts and hands off the ones it holds. */
    stoppingAt: ms('stopping_at'),
  },
  (t) => [index('workers_heartbeat_idx').on(t.heartbeatAt)],
);

/**
 * Which worker may connect each account (one at a time, for as long as it renews). `epoch` grows by one every time
 * the lease changes hands, and a holder's writes carry the epoch it got: a stale holder is fenced out.
 */
export const accountLeases = sqliteTable(
  'account_leases',
  {
    accountId: integer('account_id')
      .primaryKey()
      .references(() => accounts.id, { onDelete: 'cascade' }),
    /** The holder, or null when the lease is free (released or never taken). */
    workerId: text('worker_id'),
    epoch: integer('epoch').notNull().default(0),
    acquiredAt: ms('acquired_at'),
    /** Until when the holder may keep the account connected without renewing; past it anyone may take it. */
    expiresAt: ms('expires_at').notNull(),
  },
  (t) => [index('account_leases_worker_idx').on(t.workerId)],
);

/**
 * SCRAPE_CONCURRENCY across every process: one row per slot taken, held by a running scrape and its worker, with an
 * expiry so a dead worker's slots come back.
 */
export const scrapeSlots = sqliteTable('scrape_slots', {
  slot: integer('slot').primaryKey(),
  operationId: integer('operation_id').notNull(),
  workerId: text('worker_id').notNull(),
  expiresAt: ms('expires_at').notNull(),
});

export type AccountRow = typeof accounts.$inferSelect;
export type OperationRow = typeof operations.$inferSelect;
export type ChatRow = typeof chats.$inferSelect;
export type UserRow = typeof users.$inferSelect;
export type ChatMemberRow = typeof chatMembers.$inferSelect;
export type UserAccessHashRow = typeof userAccessHashes.$inferSelect;
export type MonitorRow = typeof monitors.$inferSelect;
export type MonitorHitRow = typeof monitorHits.$inferSelect;
export type ScheduleRow = typeof schedules.$inferSelect;
export type OperationStatsRow = typeof operationStats.$inferSelect;
export type AccountBudgetRow = typeof accountBudgets.$inferSelect;
export type WorkerRow = typeof workers.$inferSelect;
export type AccountLeaseRow = typeof accountLeases.$inferSelect;
