import type { AuditRepository } from '../db/repositories/audit.js';
import type { KvRepository } from '../db/repositories/kv.js';
import type { MemberReader } from '../db/repositories/member-reader.js';
import type { MonitorsRepository } from '../db/repositories/monitors.js';
import type { ReportsRepository } from '../db/repositories/reports.js';
import type { SchedulesRepository } from '../db/repositories/schedules.js';
import type { ScheduleRow } from '../db/schema.js';
import type { EventEmitter } from 'node:events';
import type { AccountResult, AddAccountRequest, CancelResult, ProxyChangeResult, Reconnect, SubmitResult } from '../engine/engine.js';
import type { AccountHealth } from '../engine/account-store.js';
import type { ProxySetting } from '../engine/proxy-url.js';
import type { LoginStep } from '../engine/login.js';
import type { ImportLine } from '../engine/session-import.js';
import type { SessionItem } from '../sessions/index.js';
import type { QrEvent, QrState } from '../engine/qr-login.js';
import type { Account, Awaitable, EngineEvents, EngineStatus, Operation, OperationStatus, SubmitRequest } from '../engine/types.js';

// What the bot needs of the world around it, in one place that imports no other file of the bot: every
// other file of the bot may depend on this one, so none of them has to depend on another in a circle.

export type { Awaitable };

/**
 * The part of the engine the bot uses; the bot never sees the Telegram client type. The engine of one process
 * (`Engine`) fits it and answers at once; a panel on PostgreSQL (`FleetPanelEngine`) answers from the shared
 * database, so the bot awaits every answer.
 */
export interface PanelEngine {
  submit(request: SubmitRequest): Awaitable<SubmitResult>;
  submitMany(requests: readonly SubmitRequest[]): Awaitable<SubmitResult[]>;
  cancel(id: number, message?: string): Awaitable<CancelResult>;
  getOperation(id: number): Awaitable<Operation | undefined>;
  listOperations(options?: { limit?: number; offset?: number; status?: OperationStatus; includeInternal?: boolean }): Awaitable<Operation[]>;
  /** Kinds of operation the engine runs for itself (health checks), left out of lists unless asked for. */
  readonly internalKinds: readonly string[];
  setAccountHealth(id: number, health: AccountHealth, reason: string | null): Awaitable<AccountResult>;
  waitFor(id: number): Promise<Operation>;
  setReportMessage(id: number, chatId: number | null, messageId: number | null): Awaitable<void>;
  status(): Awaitable<EngineStatus>;
  metrics(): Awaitable<Omit<EngineStatus, 'accounts'>>;
  listAccounts(): Awaitable<Account[]>;
  getAccount(id: number): Awaitable<Account | undefined>;
  addAccount(request: AddAccountRequest): Promise<AccountResult>;
  removeAccount(id: number): Promise<AccountResult>;
  pauseAccount(id: number): Awaitable<AccountResult>;
  resumeAccount(id: number): Awaitable<AccountResult>;
  setProxy(id: number, proxy: ProxySetting | null): Promise<ProxyChangeResult>;
  reconnectAccount(id: number): Promise<Reconnect>;
  readonly events: EventEmitter<EngineEvents>;
}

/** What the bot needs of the registered Telegram operations (`registerTelegramOperations`). */
export interface MonitorControl {
  /**
   * Stops a monitor: its watch ends at once and it is not re-armed. False when it was not active. In one process the
   * runner ends the watch; on a panel of a fleet the row is stopped and the worker holding the watch is told
   * (`monitor:stop`, docs/several-processes.md).
   */
  stopMonitor(monitorId: number): Awaitable<boolean>;
}

/**
 * Logging an account in by phone, code and two-step password: the engine's login service
 * (`createLoginService`) fits this shape. Each call answers with where the login stands.
 */
export interface AccountLogin {
  /** Sends the login code to the phone's Telegram app or by SMS. */
  start(phone: string): Promise<LoginStep>;
  /** Signs in with the code; asks for the two-step password when the account has one. */
  code(loginId: string, code: string): Promise<LoginStep>;
  password(loginId: string, password: string): Promise<LoginStep>;
  /** Abandons a started login; nothing happens for one that already ended. */
  cancel(loginId: string): Promise<void>;
  /**
   * Starts a QR code login: `listener` gets each code to show (the token is a secret: never log it), then
   * the password step or the end. Without it, /addaccount offers no QR login.
   */
  qr?(listener: (event: QrEvent) => void): Promise<LoginStep>;
  /** Where a QR login stands (`qr` comes with it). */
  qrState?(loginId: string): Promise<QrState>;
}

export type { LoginStep, QrEvent, QrState };

/** Adding accounts from imported sessions (/import): the engine's `createSessionImporter` fits this shape. */
export interface SessionImport {
  /** Checks each session with Telegram and adds the new ones; one line per item, in their order. */
  importAll(items: readonly SessionItem[], onProgress?: (done: number, total: number) => void): Promise<ImportLine[]>;
}

/** The database the bot reads and writes, one repository per table it uses. */
export interface Repositories {
  readonly members: MemberReader;
  /** Keyword monitors; a bot built without them answers /monitor with a plain refusal, and reports leave their line out. */
  readonly monitors?: MonitorsRepository;
  readonly schedules: SchedulesRepository;
  readonly audit: AuditRepository;
  readonly kv: KvRepository;
  readonly reports: ReportsRepository;
}

/** A parsed or checked value, or what was wrong in plain words. */
export type ArgResult<T> = { readonly ok: true; readonly value: T } | { readonly ok: false; readonly message: string };

/** A stored report schedule with its next run. */
export interface ScheduleInfo extends ScheduleRow {
  /** The next run, or null when the expression never fires again. */
  readonly nextRunAt: number | null;
}

/** The report schedules /schedule adds, lists and removes (the report scheduler). */
export interface ReportSchedules {
  /** Checks a cron expression as `add` would, without storing anything. */
  check(expression: string): ArgResult<string>;
  /** Checks and stores a schedule; it fires from then on while the panel runs. */
  add(expression: string, chatId: number, createdBy: number | null): Promise<ArgResult<ScheduleInfo>>;
  /** False when there was no such schedule. */
  remove(id: number): Promise<boolean>;
  list(): Promise<ScheduleInfo[]>;
}

/** The /bulk requests being followed, each as one message for all its operations (the bulk tracker). */
export interface BulkRequests {
  /** Starts following the operations just submitted for one request; returns the group's id. */
  track(chatId: number, items: ReadonlyArray<{ readonly operation: Operation; readonly target: string }>): Promise<number>;
  /** Cancels every unfinished operation of a group; how many were asked to stop, or undefined when unknown. */
  cancel(groupId: number): Promise<number | undefined>;
}

/** The long-lived parts of the panel that features hand work to. */
export interface PanelServices {
  readonly bulk: BulkRequests;
  readonly scheduler: ReportSchedules;
  /** Downloads a file the admin sent (a /bulk list), by its Bot API `file_path`. */
  readonly downloadFile: (filePath: string) => Promise<Uint8Array>;
}
