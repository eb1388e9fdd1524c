import type { Logger } from 'pino';
import { sleep } from '../engine/abort.js';
import { authKeyOf, DATA_CENTERS } from './auth-keys.js';
import { LoginTokens, parseLoginToken, type LoginTokenError } from './login-tokens.js';
import { ChatHistory, type ChatMessage, type MessageAuthor } from './message-history.js';
import { Faults } from './faults.js';
import { PrivateChats, type PrivateMessage } from './private-chats.js';
import { isRealDay, SPAM_BOT, SPAM_BOT_SETTING, spamBotAnswer } from './spam-bot.js';
import { createTraceWriter, type TraceEntry, type TraceWriter } from './trace.js';
import {
  maxPoolNumber,
  phoneDigits,
  type ChatKind,
  type World,
  type WorldAccount,
  type WorldChat,
  type WorldTimelineEntry,
} from './world-file.js';

export interface SandboxWorldOptions {
  /**
   * Clock in ms since the epoch; message dates and trace times come from it.
   * @default Date.now
   */
  readonly now?: () => number;
  /**
   * JSON-lines trace file (SANDBOX_TRACE), appended to.
   * @default undefined (no file)
   */
  readonly tracePath?: string | undefined;
  /**
   * Array every trace entry is also pushed to, for tests.
   * @default undefined
   */
  readonly traceEntries?: TraceEntry[] | undefined;
  /**
   * Logger for the world's own troubles (an unwritable trace file).
   * @default undefined (silent)
   */
  readonly logger?: Logger | undefined;
  /**
   * How many chats an account may be a member of before joins fail with CHANNELS_TOO_MUCH.
   * @default 500
   */
  readonly maxJoinedChats?: number;
  /**
   * Whether the timeline starts with the world. When false, call `startTimeline()`.
   * @default true
   */
  readonly startTimeline?: boolean;
  /**
   * How long an exported QR login token can be accepted, in ms (world clock).
   * @default 30000 (Telegram's "usually 30 seconds")
   */
  readonly loginTokenTtlMs?: number;
}

/** How accepting a QR login token ended: the error is Telegram's (auth.acceptLoginToken). */
export type AcceptLoginTokenResult =
  | { readonly ok: true; readonly account: SandboxAccount }
  | { readonly ok: false; readonly error: LoginTokenError | 'PHONE_NUMBER_INVALID' };

/** A login in progress on one auth key (auth.SendCode → auth.SignIn → auth.CheckPassword). */
export interface LoginState {
  readonly account: SandboxAccount;
  readonly phoneCodeHash: string;
  /** The code was right and the account has 2FA: the password is what is left. */
  codeAccepted: boolean;
}

/** A sandbox account and what it did since the world started. */
export interface SandboxAccount {
  readonly def: WorldAccount;
  /** The phone as written in the world file. */
  readonly phone: string;
  readonly userId: number;
  readonly firstName: string;
  readonly lastName: string | undefined;
  /** Home data center: where the world file's `authKey` is valid. */
  readonly dc: number;
  /** The panel holds this account when it starts (the world file's `authorized`, or a login since). */
  authorized: boolean;
  /** Logged out with auth.LogOut: its sessions are dead until it logs in again. */
  revoked: boolean;
  /** Chat ids, in join order. */
  readonly joined: Set<number>;
  /** What @SpamBot answers it: the world file's `spamBot` (`free`, `limited`, `limited until YYYY-MM-DD`). */
  spamBot: string;
}

export interface ChatState {
  readonly def: WorldChat;
  readonly id: number;
  readonly kind: ChatKind;
  readonly title: string;
  readonly username: string | undefined;
  /** Pool numbers of the admins; the first one is the creator. */
  readonly admins: readonly number[];
  readonly adminSet: ReadonlySet<number>;
  readonly history: ChatHistory;
  /** Sandbox accounts in the chat: phone digits → join date (Unix seconds), in join order. */
  readonly members: Map<string, number>;
  /** Created on demand by the member listing; see member-list.ts. */
  readonly searchCache: Map<string, Int32Array>;
}

/** A message a sandbox account sent, for tests and the playground. */
export interface SentMessage {
  readonly at: number;
  readonly account: string;
  readonly to: { readonly kind: 'chat'; readonly chatId: number } | { readonly kind: 'user'; readonly userId: number };
  readonly id: number;
  readonly text: string;
}

/**
 * A new message. `origin` is the connection that sent it, if any: that connection already has the
 * message in its answer and gets no update for it.
 */
export type WorldEvent =
  | { readonly kind: 'chat-message'; readonly chat: ChatState; readonly message: ChatMessage; readonly origin?: unknown }
  | {
      readonly kind: 'private-message';
      readonly to: SandboxAccount;
      /** The sender's user id: another account, or a bot of the world (@SpamBot). */
      readonly fromUserId: number;
      readonly message: PrivateMessage;
      readonly origin?: unknown;
    }
  /** A QR login token was accepted: the connection holding `authKey` (hex) is due updateLoginToken. */
  | { readonly kind: 'login-token'; readonly authKey: string; readonly origin?: unknown };

export type JoinResult = { readonly kind: 'joined' } | { readonly kind: 'already' } | { readonly kind: 'too_many' };

/** The in-memory state of a sandbox world. Create with `createWorld`. */
export class SandboxWorld {
  /** Logins in progress, by the hex of the client's auth key (auth.SendCode → SignIn → CheckPassword). */
  readonly pendingLogins = new Map<string, LoginState>();
  /** QR login tokens exported and not used yet (auth.exportLoginToken). */
  readonly loginTokens: LoginTokens<SandboxAccount>;

  readonly definition: World;
  /** When the world started (ms); history is spread over the days before it. */
  readonly startedAt: number;
  readonly participantsCap: number;
  /** Highest pool user number the world refers to: the pool is users 1..maxPoolNumber. */
  readonly maxPoolNumber: number;
  readonly maxJoinedChats: number;
  latencyMs: number;
  /** Requests the server has received and not answered yet (tests wait on it). */
  requestsInFlight = 0;

  private readonly clock: () => number;
  private readonly accountList: SandboxAccount[] = [];
  private readonly accountsByDigits = new Map<string, SandboxAccount>();
  private readonly accountsByUserId = new Map<number, SandboxAccount>();
  private readonly accountsByKey = new Map<string, { readonly account: SandboxAccount; readonly dc: number }>();
  private readonly chatList: ChatState[] = [];
  private readonly chatsById = new Map<number, ChatState>();
  private readonly chatsByUsername = new Map<string, ChatState>();
  private readonly chatsByInvite = new Map<string, ChatState>();
  private readonly privateChats = new PrivateChats();
  private readonly sent: SentMessage[] = [];
  private readonly listeners = new Set<(event: WorldEvent) => void>();
  private readonly faults: Faults;
  private readonly traceWriter: TraceWriter;
  private readonly timers = new Set<NodeJS.Timeout>();
  private readonly stopController = new AbortController();
  private timelineStarted = false;

  constructor(definition: World, options: SandboxWorldOptions = {}) {
    this.definition = definition;
    this.clock = options.now ?? Date.now;
    this.startedAt = this.clock();
    this.latencyMs = definition.latencyMs;
    this.participantsCap = definition.participantsCap;
    this.maxPoolNumber = maxPoolNumber(definition);
    this.maxJoinedChats = options.maxJoinedChats ?? 500;
    this.loginTokens = new LoginTokens(this.clock, options.loginTokenTtlMs);
    const logger = options.logger;
    this.traceWriter = createTraceWriter({
      path: options.tracePath,
      entries: options.traceEntries,
      onError: (error) => logger?.error({ err: error, path: options.tracePath }, 'sandbox trace file cannot be written'),
    });

    const startSeconds = Math.floor(this.startedAt / 1000);
    for (const chat of definition.chats) {
      const admins = chat.admins ?? [chat.members.from];
      const state: ChatState = {
        def: chat,
        id: chat.id,
        kind: chat.kind,
        title: chat.title,
        username: chat.username,
        admins,
        adminSet: new Set(admins),
        history: new ChatHistory(chat, startSeconds),
        members: new Map(),
        searchCache: new Map(),
      };
      this.chatList.push(state);
      this.chatsById.set(chat.id, state);
      if (chat.username !== undefined) this.chatsByUsername.set(chat.username.toLowerCase(), state);
      if (chat.invite !== undefined) this.chatsByInvite.set(chat.invite, state);
    }
    for (const def of definition.accounts) {
      const account: SandboxAccount = {
        def,
        phone: def.phone,
        userId: def.userId,
        firstName: def.firstName,
        lastName: def.lastName,
        dc: def.dc,
        authorized: def.authorized,
        revoked: false,
        joined: new Set(),
        spamBot: def.spamBot,
      };
      this.accountList.push(account);
      this.accountsByDigits.set(phoneDigits(def.phone), account);
      this.accountsByUserId.set(def.userId, account);
      for (const dc of DATA_CENTERS) this.accountsByKey.set(authKeyOf(def, dc).toString('hex'), { account, dc });
      for (const chatId of def.joined) {
        const chat = this.chatsById.get(chatId);
        if (chat) this.join(account, chat);
      }
    }
    this.faults = new Faults(definition.faults);
    if (options.startTimeline ?? true) this.startTimeline();
  }

  /** The world clock, ms. */
  now(): number {
    return this.clock();
  }

  nowSeconds(): number {
    return Math.floor(this.clock() / 1000);
  }

  /** Aborts when the world stops. */
  get signal(): AbortSignal {
    return this.stopController.signal;
  }

  get stopped(): boolean {
    return this.stopController.signal.aborted;
  }

  // region accounts

  accounts(): readonly SandboxAccount[] {
    return this.accountList;
  }

  /** The account with this phone (any formatting). */
  account(phone: string): SandboxAccount | undefined {
    return this.accountsByDigits.get(phoneDigits(phone));
  }

  accountByUserId(userId: number): SandboxAccount | undefined {
    return this.accountsByUserId.get(userId);
  }

  /**
   * The auth key a logged-in session of this account holds on data center `dc` (its home DC by default):
   * the world file's `authKey` on the home DC, else one derived from the phone, so session strings saved
   * by a sandbox client stay valid across restarts of the sandbox.
   */
  authKeyFor(account: SandboxAccount, dc: number = account.dc): Buffer {
    return authKeyOf(account.def, dc);
  }

  /** The account an auth key is logged in as on data center `dc`, or undefined (unknown key, other DC, logged out). */
  accountForAuthKey(key: Buffer | undefined, dc: number): SandboxAccount | undefined {
    if (key === undefined) return undefined;
    const entry = this.accountsByKey.get(key.toString('hex'));
    return entry && entry.dc === dc && !entry.account.revoked ? entry.account : undefined;
  }

  /** Marks a successful login. */
  authorize(account: SandboxAccount): void {
    account.authorized = true;
    account.revoked = false;
  }

  /**
   * The phone of `phone`'s account scans a QR login code: `token` is the code's `tg://login?token=…` link,
   * its base64url text or its bytes. As auth.acceptLoginToken on Telegram, the connection that exported the
   * token is then pushed updateLoginToken; an expired, unknown or used token fails with Telegram's error.
   */
  acceptLoginToken(phone: string, token: string | Buffer): AcceptLoginTokenResult {
    const account = this.account(phone);
    if (!account) return { ok: false, error: 'PHONE_NUMBER_INVALID' };
    const bytes = typeof token === 'string' ? parseLoginToken(token) : token;
    if (!bytes) return { ok: false, error: 'AUTH_TOKEN_INVALIDX' };
    const accepted = this.loginTokens.accept(bytes, account);
    if (!accepted.ok) return accepted;
    this.emit({ kind: 'login-token', authKey: accepted.entry.authKey });
    return { ok: true, account };
  }

  /** auth.LogOut: every session of the account stops working. */
  logOut(account: SandboxAccount): void {
    account.authorized = false;
    account.revoked = true;
  }

  // endregion
  // region chats

  chats(): readonly ChatState[] {
    return this.chatList;
  }

  chat(id: number): ChatState | undefined {
    return this.chatsById.get(id);
  }

  chatByUsername(username: string): ChatState | undefined {
    return this.chatsByUsername.get(username.toLowerCase());
  }

  chatByInvite(hash: string): ChatState | undefined {
    return this.chatsByInvite.get(hash);
  }

  isMember(account: SandboxAccount, chat: ChatState): boolean {
    return chat.members.has(phoneDigits(account.phone));
  }

  join(account: SandboxAccount, chat: ChatState): JoinResult {
    if (this.isMember(account, chat)) return { kind: 'already' };
    if (account.joined.size >= this.maxJoinedChats) return { kind: 'too_many' };
    chat.members.set(phoneDigits(account.phone), this.nowSeconds());
    account.joined.add(chat.id);
    return { kind: 'joined' };
  }

  /** Returns false when the account was not a member. */
  leave(account: SandboxAccount, chat: ChatState): boolean {
    account.joined.delete(chat.id);
    return chat.members.delete(phoneDigits(account.phone));
  }

  /** Accounts in the chat, most recent joiner first (Telegram's "recent" order). */
  memberAccounts(chat: ChatState): SandboxAccount[] {
    const out: SandboxAccount[] = [];
    for (const digits of chat.members.keys()) {
      const account = this.accountsByDigits.get(digits);
      if (account) out.push(account);
    }
    return out.reverse();
  }

  // endregion
  // region messages

  /** Posts a message in a chat (timeline, accounts, tests) and tells every subscriber. */
  postChatMessage(chat: ChatState, author: MessageAuthor | undefined, text: string, origin?: unknown): ChatMessage {
    const message = chat.history.append(author, text, this.nowSeconds());
    this.emit({ kind: 'chat-message', chat, message, origin });
    return message;
  }

  /** A one-to-one conversation of `owner` with `peerUserId`, oldest first. */
  privateHistory(owner: SandboxAccount, peerUserId: number): readonly PrivateMessage[] {
    return this.privateChats.history(owner.userId, peerUserId);
  }

  /** Stores a private message in the sender's copy (and the recipient's, when it is an account). */
  sendPrivate(from: SandboxAccount, peerUserId: number, text: string, origin?: unknown): PrivateMessage {
    const date = this.nowSeconds();
    const outgoing = this.privateChats.store(from.userId, { date, out: true, peerUserId, text });
    const to = this.accountsByUserId.get(peerUserId);
    if (to && to !== from) {
      const incoming = this.privateChats.store(to.userId, { date, out: false, peerUserId: from.userId, text });
      this.emit({ kind: 'private-message', to, fromUserId: from.userId, message: incoming, origin });
    }
    return outgoing;
  }

  /**
   * A message to @SpamBot: stored in the sender's conversation with the bot, which answers a moment later
   * (after the world's latency) with a new message there, pushed to the account's connections.
   */
  messageSpamBot(from: SandboxAccount, text: string): PrivateMessage {
    const outgoing = this.privateChats.store(from.userId, { date: this.nowSeconds(), out: true, peerUserId: SPAM_BOT.userId, text });
    this.delay(this.latencyMs).then(
      () => {
        const answer = spamBotAnswer(from.spamBot, from.firstName, text, this.now());
        const incoming = this.privateChats.store(from.userId, { date: this.nowSeconds(), out: false, peerUserId: SPAM_BOT.userId, text: answer });
        this.emit({ kind: 'private-message', to: from, fromUserId: SPAM_BOT.userId, message: incoming });
      },
      () => undefined,
    );
    return outgoing;
  }

  /** Changes what @SpamBot answers an account from now on (tests and the playground: Telegram limits or frees it). */
  setSpamBot(account: SandboxAccount, setting: string): void {
    if (!SPAM_BOT_SETTING.test(setting) || !isRealDay(setting)) throw new RangeError(`expected "free", "limited" or "limited until YYYY-MM-DD" (got "${setting}")`);
    account.spamBot = setting;
  }

  /** Records a message an account sent. */
  recordSent(entry: SentMessage): void {
    this.sent.push(entry);
  }

  sentMessages(): readonly SentMessage[] {
    return this.sent;
  }

  /** Listens to new messages; returns the unsubscribe function. */
  subscribe(listener: (event: WorldEvent) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  private emit(event: WorldEvent): void {
    for (const listener of this.listeners) listener(event);
  }

  // endregion
  // region faults, trace, latency, timeline

  /**
   * Counts a call of `method` by the account with `phone` and returns the error it must fail with,
   * if a fault says so.
   */
  takeFault(phone: string, method: string): string | undefined {
    return this.faults.take(phone, method);
  }

  trace(entry: TraceEntry): void {
    this.traceWriter.write(entry);
  }

  /** Waits `ms` (the network latency); rejects when `signal` or the world stops first. */
  delay(ms: number, signal?: AbortSignal): Promise<void> {
    const signals = signal ? AbortSignal.any([signal, this.signal]) : this.signal;
    if (signals.aborted) return Promise.reject(abortError(signals));
    if (ms <= 0) return Promise.resolve();
    return sleep(ms, signals).catch(() => Promise.reject(abortError(signals)));
  }

  /** Starts the timeline clock (once). */
  startTimeline(): void {
    if (this.timelineStarted || this.stopped) return;
    this.timelineStarted = true;
    for (const entry of this.definition.timeline) this.schedule(entry, entry.atSeconds * 1000);
  }

  /** Stops timers, aborts requests in flight and closes the trace file. */
  async stop(): Promise<void> {
    if (!this.stopController.signal.aborted) this.stopController.abort(new Error('The sandbox world stopped'));
    for (const t of this.timers) clearTimeout(t);
    this.timers.clear();
    this.listeners.clear();
    await this.traceWriter.close();
  }

  private schedule(entry: WorldTimelineEntry, delayMs: number): void {
    const timer = setTimeout(() => {
      this.timers.delete(timer);
      const chat = this.chatsById.get(entry.chat);
      if (chat) this.postChatMessage(chat, { kind: 'pool', n: entry.from }, entry.text);
      if (entry.everySeconds > 0 && !this.stopped) this.schedule(entry, entry.everySeconds * 1000);
    }, delayMs);
    // The timeline must never keep a process alive on its own.
    timer.unref();
    this.timers.add(timer);
  }

  // endregion
}

function abortError(signal: AbortSignal): Error {
  return signal.reason instanceof Error ? signal.reason : new Error('Aborted');
}

/** Builds the in-memory state of a parsed world; the timeline starts at once unless told otherwise. */
export function createWorld(definition: World, options?: SandboxWorldOptions): SandboxWorld {
  return new SandboxWorld(definition, options);
}
