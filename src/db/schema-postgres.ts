import { sql } from 'drizzle-orm';
import { bigint, index, integer, pgTable, primaryKey, text, uniqueIndex } from 'drizzle-orm/pg-core';

/*
 * The PostgreSQL twin of db/schema.ts: the same tables, column names, nullability, defaults, keys and indexes, in
 * drizzle's pg-core, because drizzle-kit generates migrations from a schema of one dialect (README, Migrations).
 * Only the schemas are twinned: repositories are written once over the SQL port (db/sql/sql-port.ts) and read rows by
 * SQL column name, so test/db/schema-parity.test.ts fails when the two drift apart.
 *
 * Types where the dialects differ:
 * - ids SQLite autoincrements are identity columns (by default, so a row may still be written with its own id);
 * - epoch milliseconds and Telegram ids (user, chat and channel ids, Bot API chat ids like -100…) are 64-bit
 *   `bigint`, which the executor reads back as JS numbers (they stay below 2^53);
 * - flags stay integers 0/1, not `boolean`, so one repository binds and reads them the same on both;
 * - JSON documents stay `text`, for the same reason; access hashes stay text (they pass 2^53).
 */

/** Epoch milliseconds, the one time unit of the database. */
const ms = <N extends string>(name: N) => bigint(name, { mode: 'number' });
/** A Telegram id: user, chat or channel ids and Bot API chat ids pass 32 bits. */
const tgId = <N extends string>(name: N) => bigint(name, { mode: 'number' });
/** An id SQLite autoincrements. */
const serial = <N extends string>(name: N) => integer(name).primaryKey().generatedByDefaultAsIdentity();
/** A 0/1 flag (see above: integers on both dialects). */
const flag = <N extends string>(name: N) => integer(name);
const nowMs = sql`(extract(epoch from now()) * 1000)::bigint`;

export const accounts = pgTable(
  'accounts',
  {
    id: serial('id'),
    phone: text('phone').notNull(),
    label: text('label'),
    sessionEnc: text('session_enc'),
    proxy: text('proxy'),
    proxyEnc: text('proxy_enc'),
    proxyHost: text('proxy_host'),
    apiId: integer('api_id'),
    apiHashEnc: text('api_hash_enc'),
    device: text('device'),
    spamVerdict: text('spam_verdict'),
    spamUntil: ms('spam_until'),
    checkedAt: ms('checked_at'),
    nextCheckAt: ms('next_check_at'),
    telegramUserId: tgId('telegram_user_id'),
    username: text('username'),
    firstName: text('first_name'),
    state: text('state').notNull().default('disconnected'),
    paused: flag('paused').notNull().default(0),
    health: text('health').notNull().default('ok'),
    cooldownUntil: ms('cooldown_until'),
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

export const operations = pgTable(
  'operations',
  {
    id: serial('id'),
    kind: text('kind').notNull(),
    params: text('params').notNull(),
    pinnedAccountId: integer('pinned_account_id').references(() => accounts.id, { onDelete: 'set null' }),
    assignedAccountId: integer('assigned_account_id').references(() => accounts.id, { onDelete: 'set null' }),
    status: text('status').notNull().default('queued'),
    priority: integer('priority').notNull(),
    attempts: integer('attempts').notNull().default(0),
    checkpoint: text('checkpoint'),
    progressDone: integer('progress_done').notNull().default(0),
    progressTotal: integer('progress_total'),
    result: text('result'),
    errorKind: text('error_kind'),
    errorMessage: text('error_message'),
    requestedBy: tgId('requested_by'),
    reportChatId: tgId('report_chat_id'),
    reportMessageId: integer('report_message_id'),
    parentId: integer('parent_id'),
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

export const chats = pgTable(
  'chats',
  {
    id: tgId('id').primaryKey(),
    kind: text('kind').notNull(),
    username: text('username'),
    title: text('title'),
    inviteHash: text('invite_hash'),
    membersCount: integer('members_count'),
    membersHidden: flag('members_hidden'),
    createdAt: ms('created_at').notNull().default(nowMs),
    updatedAt: ms('updated_at').notNull().default(nowMs),
  },
  (t) => [index('chats_username_idx').on(t.username)],
);

export const users = pgTable('users', {
  id: tgId('id').primaryKey(),
  username: text('username'),
  firstName: text('first_name'),
  lastName: text('last_name'),
  isBot: flag('is_bot').notNull().default(0),
  isPremium: flag('is_premium').notNull().default(0),
  phone: text('phone'),
  status: text('status'),
  wasOnlineAt: ms('was_online_at'),
  statusAt: ms('status_at'),
  isVerified: flag('is_verified').notNull().default(0),
  isScam: flag('is_scam').notNull().default(0),
  isFake: flag('is_fake').notNull().default(0),
  isDeleted: flag('is_deleted').notNull().default(0),
  langCode: text('lang_code'),
  createdAt: ms('created_at').notNull().default(nowMs),
  updatedAt: ms('updated_at').notNull().default(nowMs),
});

export const userAccessHashes = pgTable(
  'user_access_hashes',
  {
    accountId: integer('account_id')
      .notNull()
      .references(() => accounts.id, { onDelete: 'cascade' }),
    userId: tgId('user_id')
      .notNull()
      .references(() => users.id, { onDelete: 'cascade' }),
    accessHash: text('access_hash').notNull(),
    updatedAt: ms('updated_at').notNull(),
  },
  (t) => [primaryKey({ columns: [t.accountId, t.userId] }), index('user_access_hashes_user_idx').on(t.userId)],
);

export const chatMembers = pgTable(
  'chat_members',
  {
    chatId: tgId('chat_id')
      .notNull()
      .references(() => chats.id, { onDelete: 'cascade' }),
    userId: tgId('user_id')
      .notNull()
      .references(() => users.id, { onDelete: 'cascade' }),
    source: text('source').notNull(),
    via: text('via'),
    role: text('role'),
    joinedAt: ms('joined_at'),
    firstSeenAt: ms('first_seen_at').notNull(),
    lastSeenAt: ms('last_seen_at').notNull(),
  },
  (t) => [primaryKey({ columns: [t.chatId, t.userId] })],
);

export const monitors = pgTable(
  'monitors',
  {
    id: serial('id'),
    target: text('target').notNull(),
    chatId: tgId('chat_id'),
    accountId: integer('account_id').references(() => accounts.id, { onDelete: 'set null' }),
    keywords: text('keywords').notNull(),
    active: flag('active').notNull().default(1),
    createdBy: tgId('created_by'),
    reportChatId: tgId('report_chat_id'),
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

export const monitorHits = pgTable(
  'monitor_hits',
  {
    id: serial('id'),
    monitorId: integer('monitor_id')
      .notNull()
      .references(() => monitors.id, { onDelete: 'cascade' }),
    chatId: tgId('chat_id').notNull(),
    messageId: integer('message_id').notNull(),
    senderId: tgId('sender_id'),
    text: text('text').notNull(),
    keyword: text('keyword').notNull(),
    at: ms('at').notNull(),
  },
  (t) => [uniqueIndex('monitor_hits_uq').on(t.monitorId, t.chatId, t.messageId)],
);

export const schedules = pgTable('schedules', {
  id: serial('id'),
  cron: text('cron').notNull(),
  chatId: tgId('chat_id').notNull(),
  createdBy: tgId('created_by'),
  active: flag('active').notNull().default(1),
  lastRunAt: ms('last_run_at'),
  createdAt: ms('created_at').notNull().default(nowMs),
});

export const operationStats = pgTable('operation_stats', {
  kind: text('kind').primaryKey(),
  total: integer('total').notNull().default(0),
  succeeded: integer('succeeded').notNull().default(0),
  failed: integer('failed').notNull().default(0),
  cancelled: integer('cancelled').notNull().default(0),
  retries: integer('retries').notNull().default(0),
  floodWaits: integer('flood_waits').notNull().default(0),
  /** A sum of milliseconds: 25 days of work already passes 32 bits. */
  durationMsTotal: bigint('duration_ms_total', { mode: 'number' }).notNull().default(0),
  durationMsMax: bigint('duration_ms_max', { mode: 'number' }).notNull().default(0),
  updatedAt: ms('updated_at').notNull().default(nowMs),
});

export const floodEvents = pgTable(
  'flood_events',
  {
    id: serial('id'),
    accountId: integer('account_id').references(() => accounts.id, { onDelete: 'set null' }),
    operationId: integer('operation_id'),
    method: text('method'),
    seconds: integer('seconds').notNull(),
    action: text('action').notNull(),
    at: ms('at').notNull(),
  },
  (t) => [index('flood_events_at_idx').on(t.at)],
);

export const auditLog = pgTable(
  'audit_log',
  {
    id: serial('id'),
    userId: tgId('user_id'),
    chatId: tgId('chat_id'),
    action: text('action').notNull(),
    args: text('args'),
    outcome: text('outcome'),
    at: ms('at').notNull(),
  },
  (t) => [index('audit_log_at_idx').on(t.at)],
);

export const kv = pgTable('kv', {
  key: text('key').primaryKey(),
  value: text('value').notNull(),
  expiresAt: ms('expires_at'),
  updatedAt: ms('updated_at').notNull().default(nowMs),
});

export const handledUpdates = pgTable(
  'handled_updates',
  {
    updateId: bigint('update_id', { mode: 'number' }).primaryKey(),
    chatId: tgId('chat_id'),
    action: text('action'),
    receivedAt: ms('received_at').notNull(),
    finishedAt: ms('finished_at'),
  },
  (t) => [index('handled_updates_received_idx').on(t.receivedAt)],
);

export const accountBudgets = pgTable(
  'account_budgets',
  {
    accountId: integer('account_id')
      .notNull()
      .references(() => accounts.id, { onDelete: 'cascade' }),
    action: text('action').notNull(),
    windowStart: ms('window_start').notNull(),
    used: integer('used').notNull().default(0),
    halvedUntil: ms('halved_until'),
  },
  (t) => [primaryKey({ columns: [t.accountId, t.action] })],
);

export const sessionLeases = pgTable('session_leases', {
  accountId: integer('account_id')
    .primaryKey()
    .references(() => accounts.id, { onDelete: 'cascade' }),
  holder: text('holder').notNull(),
  heartbeatAt: ms('heartbeat_at').notNull(),
});

export const workers = pgTable(
  'workers',
  {
    id: text('id').primaryKey(),
    name: text('name').notNull(),
    role: text('role').notNull(),
    host: text('host').notNull(),
    pid: integer('pid').notNull(),
    startedAt: ms('started_at').notNull(),
    heartbeatAt: ms('heartbeat_at').notNull(),
    stoppingAt: ms('stopping_at'),
  },
  (t) => [index('workers_heartbeat_idx').on(t.heartbeatAt)],
);

export const accountLeases = pgTable(
  'account_leases',
  {
    accountId: integer('account_id')
      .primaryKey()
      .references(() => accounts.id, { onDelete: 'cascade' }),
    workerId: text('worker_id'),
    epoch: integer('epoch').notNull().default(0),
    acquiredAt: ms('acquired_at'),
    expiresAt: ms('expires_at').notNull(),
  },
  (t) => [index('account_leases_worker_idx').on(t.workerId)],
);

export const scrapeSlots = pgTable('scrape_slots', {
  slot: integer('slot').primaryKey(),
  operationId: integer('operation_id').notNull(),
  workerId: text('worker_id').notNull(),
  expiresAt: ms('expires_at').notNull(),
});
