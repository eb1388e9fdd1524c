import bigInt from 'big-integer';
import { Api, type TelegramClient } from 'telegram';
import type { MemberInput, MemberSource, MemberVia } from '../../db/repositories/members.js';
import type { MemberStoreLike } from '../../db/repositories/member-store.js';
import { OperationFailure, rpcErrorMessage } from '../errors.js';
import type { RunContext, RunnerDefinition } from '../types.js';
import { joinChat, lookupsOf, rememberChat, resolveTarget, type ResolvedChat } from './chats.js';
import { listedMembers, toMember } from './member-records.js';
import { describeTarget, parseTarget } from './targets.js';

export interface ScrapeParams {
  readonly target: string;
  /** Stop after this many members. */
  readonly limit?: number | null;
  /** How far back the message-author fallback reads. */
  readonly days?: number;
  /** Join the chat first when this account is not a member. */
  readonly join?: boolean;
}

type Phase = 'participants' | 'search' | 'messages' | 'done';

/** Where a scrape stands; saved with every page in the page's own transaction. */
export interface ScrapeCheckpoint {
  readonly startedAt: number;
  readonly chatId: number | null;
  readonly phase: Phase;
  /** Offset in the current listing (plain or the current search query). */
  readonly offset: number;
  /** Search queries still to run, last first (a stack). */
  readonly queries: readonly string[];
  /** Messages fallback: read older than this message id (0 = from the newest). */
  readonly historyOffsetId: number;
  readonly inserted: number;
  readonly refreshed: number;
  readonly source: MemberSource;
  readonly deep: boolean;
  /** Of `inserted + refreshed`, how many each way found (absent in checkpoints saved before it existed). */
  readonly byVia?: Coverage;
}

/** How many members each way of a scrape found: the member list, search past the cap, message authors. */
export type Coverage = Readonly<Record<MemberVia, number>>;

export interface ScrapeResult {
  readonly chatId: number;
  readonly title: string;
  readonly username: string | null;
  readonly chatKind: ResolvedChat['kind'];
  readonly source: MemberSource;
  readonly mode: 'participants' | 'deep' | 'messages';
  /** Distinct members found by this scrape. */
  readonly found: number;
  /** Of those, not stored before. */
  readonly new: number;
  /** Of those, already stored by an earlier scrape. */
  readonly known: number;
  /** Members Telegram says the chat has. */
  readonly total: number | null;
  /** Of `found`, how many came from the member list, from search past the cap and from message authors. */
  readonly coverage: Coverage;
  readonly durationMs: number;
  readonly note: string | null;
}

export interface ScrapeOptions {
  /** Where pages go: the SQLite members repository, or the member store on the SQL port (several processes). */
  readonly members: MemberStoreLike;
  /**
   * Members per participants page (Telegram's maximum is 200).
   * @default 200
   */
  readonly pageSize?: number;
  /**
   * Messages per history page (Telegram's maximum is 100).
   * @default 100
   */
  readonly historyPageSize?: number;
  /**
   * The most a plain listing returns (Telegram's participants cap); a query that returns this many is
   * expanded in deep mode.
   * @default 10000
   */
  readonly participantsCap?: number;
  /** @default Date.now */
  readonly now?: () => number;
}

/** Characters deep mode appends to a query, one at a time. */
const ALPHABET = [...'abcdefghijklmnopqrstuvwxyz0123456789'];
const BROADCAST_VISIBLE = 200;

export function parseScrapeParams(params: unknown): ScrapeParams {
  const p = (params ?? {}) as Partial<Record<keyof ScrapeParams, unknown>>;
  if (typeof p.target !== 'string') throw new Error('Name a chat to scrape: @username, a t.me link or an invite link.');
  const parsed = parseTarget(p.target);
  if (!parsed.ok) throw new Error(parsed.message);
  const limit = p.limit ?? null;
  if (limit !== null && (typeof limit !== 'number' || !Number.isSafeInteger(limit) || limit < 1 || limit > 10_000_000)) {
    throw new Error('--limit must be a whole number from 1 to 10,000,000.');
  }
  const days = p.days ?? 30;
  if (typeof days !== 'number' || !Number.isSafeInteger(days) || days < 1 || days > 3650) throw new Error('--days must be a whole number from 1 to 3650.');
  return { target: p.target.trim(), limit, days, join: p.join === true };
}

/** The scrape operation: participants, then deep search past the cap, or message authors when hidden. */
export function scrapeOperation(options: ScrapeOptions): RunnerDefinition<ScrapeParams, TelegramClient | undefined, ScrapeCheckpoint, ScrapeResult> {
  const { members, pageSize = 200, historyPageSize = 100, participantsCap = 10_000, now = Date.now } = options;
  return {
    kind: 'scrape',
    type: 'scraping',
    parse: parseScrapeParams,
    budget: (params) => {
      const target = parseTarget(params.target);
      return { resolve: target.ok ? lookupsOf(target.target) : 0, join: params.join ? 1 : 0 };
    },
    run: (ctx) => runScrape(ctx, { members, pageSize, historyPageSize, participantsCap, now }),
  };
}

async function runScrape(
  ctx: RunContext<ScrapeParams, TelegramClient | undefined, ScrapeCheckpoint>,
  options: Required<Omit<ScrapeOptions, 'members'>> & { members: MemberStoreLike },
): Promise<ScrapeResult> {
  const { params, signal, checkpoint } = ctx;
  const client = requireClient(ctx.account.client, ctx.account.id);
  const target = parseTarget(params.target);
  if (!target.ok) throw new OperationFailure({ kind: 'invalid', message: target.message });

  let resolution = await resolveTarget(client, target.target, options.members, signal, ctx.budget);
  if (resolution.kind === 'invite' || (!resolution.chat.joined && params.join)) {
    if (resolution.kind === 'invite' && !params.join) {
      throw new OperationFailure({
        kind: 'private',
        message: `This account is not in "${resolution.title}": add --join to join it with the invite first.`,
      });
    }
    const joined = await joinChat(client, resolution, signal, ctx.budget);
    resolution = { kind: 'chat', chat: joined.chat };
  }
  const chat = resolution.chat;
  const info = await readChatInfo(client, chat, signal, options.now);
  await rememberChat(options.members, chat, { membersCount: info.count, membersHidden: !info.visible });

  let cp: ScrapeCheckpoint = checkpoint.get() ?? {
    startedAt: options.now(),
    chatId: chat.id,
    phase: info.visible ? 'participants' : 'messages',
    offset: 0,
    queries: [],
    historyOffsetId: 0,
    inserted: 0,
    refreshed: 0,
    source: info.visible ? 'participants' : 'messages',
    deep: false,
    byVia: { list: 0, search: 0, messages: 0 },
  };
  if (cp.chatId !== null && cp.chatId !== chat.id) {
    throw new OperationFailure({ kind: 'invalid', message: `${describeTarget(target.target)} now points to a different chat than when this scrape began.` });
  }
  const limit = params.limit ?? null;
  const goal = limit ?? info.count;
  const found = () => cp.inserted + cp.refreshed;
  const report = () => ctx.progress(found(), goal);
  const reachedGoal = () => (limit !== null && found() >= limit) || (info.count !== null && found() >= info.count);
  report();

  /** Stores one page and the next checkpoint in one transaction. */
  const store = async (users: readonly MemberInput[], source: MemberSource, next: Partial<ScrapeCheckpoint>): Promise<void> => {
    const room = limit === null ? users.length : Math.max(0, limit - found());
    const page = users.slice(0, room);
    const via: MemberVia = source === 'messages' ? 'messages' : cp.phase === 'search' ? 'search' : 'list';
    await checkpoint.saveWith(
      (tx) => options.members.storeMembers(chat.id, page, { source, via, now: options.now(), since: cp.startedAt, accountId: ctx.account.id }, tx),
      (stored): ScrapeCheckpoint => {
        const byVia = cp.byVia ?? { list: 0, search: 0, messages: 0 };
        return {
          ...cp,
          ...next,
          inserted: cp.inserted + stored.inserted,
          refreshed: cp.refreshed + stored.refreshed,
          byVia: { ...byVia, [via]: byVia[via] + stored.inserted + stored.refreshed },
        };
      },
    );
    cp = checkpoint.get() as ScrapeCheckpoint;
    report();
  };

  try {
    if (cp.phase === 'participants') {
      if (info.groupMembers) {
        // Read with the full chat already; stored in pages from where a resumed run left off.
        for (let i = cp.offset; i < info.groupMembers.length && !reachedGoal(); i += options.pageSize) {
          await store(info.groupMembers.slice(i, i + options.pageSize), 'participants', { offset: i + options.pageSize });
        }
        cp = { ...cp, phase: 'done' };
      } else {
        const channel = chat.channel as Api.InputChannel;
        let hitCap = false;
        for (;;) {
          if (reachedGoal()) break;
          signal.throwIfAborted();
          const page = await client.invoke(
            new Api.channels.GetParticipants({ channel, filter: new Api.ChannelParticipantsRecent(), offset: cp.offset, limit: options.pageSize, hash: bigInt(0) }),
          );
          if (!(page instanceof Api.channels.ChannelParticipants)) break;
          await store(listedMembers(page.participants, page.users, options.now()), 'participants', { offset: cp.offset + page.participants.length });
          if (page.participants.length < options.pageSize) {
            hitCap = cp.offset >= Math.min(options.participantsCap, page.count) && page.count > cp.offset;
            break;
          }
          if (cp.offset >= options.participantsCap) {
            hitCap = true;
            break;
          }
        }
        const more = info.count !== null && found() < info.count;
        if (!reachedGoal() && more && (hitCap || cp.offset >= options.participantsCap) && chat.kind === 'supergroup') {
          cp = { ...cp, phase: 'search', offset: 0, queries: [...ALPHABET].reverse(), deep: true };
          checkpoint.save(cp);
        } else {
          cp = { ...cp, phase: 'done' };
        }
      }
    }

    if (cp.phase === 'search') {
      const channel = chat.channel as Api.InputChannel;
      while (cp.queries.length > 0 && !reachedGoal()) {
        const q = cp.queries[cp.queries.length - 1] as string;
        signal.throwIfAborted();
        const page = await client.invoke(
          new Api.channels.GetParticipants({ channel, filter: new Api.ChannelParticipantsSearch({ q }), offset: cp.offset, limit: options.pageSize, hash: bigInt(0) }),
        );
        const list = page instanceof Api.channels.ChannelParticipants ? page : null;
        const got = list?.participants.length ?? 0;
        const exhausted = got < options.pageSize || cp.offset + got >= options.participantsCap;
        if (!exhausted) {
          await store(list ? listedMembers(list.participants, list.users, options.now()) : [], 'participants', { offset: cp.offset + got });
          continue;
        }
        // The query is done. If it came back full to the cap, Telegram hid the rest: narrow it.
        const capped = cp.offset + got >= options.participantsCap;
        const rest = cp.queries.slice(0, -1);
        const queries = capped ? [...rest, ...ALPHABET.map((c) => q + c).reverse()] : rest;
        await store(list ? listedMembers(list.participants, list.users, options.now()) : [], 'participants', { offset: 0, queries });
      }
      cp = { ...cp, phase: 'done' };
    }
  } catch (error) {
    const text = rpcErrorMessage(error);
    // Hidden or admin-only lists fall back to message authors.
    if (text === 'CHAT_ADMIN_REQUIRED' && cp.phase !== 'messages') {
      cp = { ...cp, phase: 'messages', offset: 0, source: 'messages' };
      checkpoint.save(cp);
    } else throw error;
  }

  if (cp.phase === 'messages') {
    const since = options.now() - (params.days ?? 30) * 86_400_000;
    for (;;) {
      if (limit !== null && found() >= limit) break;
      signal.throwIfAborted();
      const history = await client.invoke(
        new Api.messages.GetHistory({
          peer: chat.peer,
          offsetId: cp.historyOffsetId,
          offsetDate: 0,
          addOffset: 0,
          limit: options.historyPageSize,
          maxId: 0,
          minId: 0,
          hash: bigInt(0),
        }),
      );
      if (history instanceof Api.messages.MessagesNotModified) break;
      const recent = history.messages.filter((m): m is Api.Message => m instanceof Api.Message && m.date * 1000 >= since);
      const authorIds = new Set(recent.flatMap((m) => (m.fromId instanceof Api.PeerUser ? [m.fromId.userId.toString()] : [])));
      const authors = history.users.filter((u): u is Api.User => u instanceof Api.User && authorIds.has(u.id.toString()));
      const last = history.messages.at(-1);
      const older = recent.length < history.messages.length;
      const seenAt = options.now();
      await store(authors.map((u) => toMember(u, seenAt)), 'messages', { historyOffsetId: last?.id ?? cp.historyOffsetId, source: 'messages' });
      if (!last || older || history.messages.length < options.historyPageSize) break;
    }
    cp = { ...cp, phase: 'done' };
  }

  checkpoint.save(cp);
  const broadcast = chat.kind === 'channel';
  const note = broadcast
    ? `Telegram shows only ${BROADCAST_VISIBLE} subscribers of a broadcast channel to non-admins, so ${found()} of ${info.count ?? '?'} could be listed.`
    : cp.source === 'messages'
      ? `The member list is hidden, so members were taken from the authors of messages of the last ${params.days ?? 30} days.`
      : null;
  return {
    chatId: chat.id,
    title: chat.title,
    username: chat.username,
    chatKind: chat.kind,
    source: cp.source,
    mode: cp.source === 'messages' ? 'messages' : cp.deep ? 'deep' : 'participants',
    found: found(),
    new: cp.inserted,
    known: cp.refreshed,
    total: info.count,
    coverage: cp.byVia ?? { list: 0, search: 0, messages: 0 },
    durationMs: options.now() - cp.startedAt,
    note,
  };
}

function requireClient(client: TelegramClient | undefined, accountId: number): TelegramClient {
  if (!client) throw new OperationFailure({ kind: 'error', message: `Account #${accountId} has no Telegram client.` });
  return client;
}

interface ChatInfo {
  readonly count: number | null;
  readonly visible: boolean;
  /** A basic group's full chat lists all its members at once. */
  readonly groupMembers?: MemberInput[];
}

/** Reads the full chat: how many members, and whether a non-admin may list them. */
async function readChatInfo(client: TelegramClient, chat: ResolvedChat, signal: AbortSignal, now: () => number): Promise<ChatInfo> {
  signal.throwIfAborted();
  if (chat.channel) {
    const full = await client.invoke(new Api.channels.GetFullChannel({ channel: chat.channel }));
    const info = full.fullChat as Api.ChannelFull;
    const visible = Boolean(info.canViewParticipants) && !info.participantsHidden;
    return { count: info.participantsCount ?? null, visible };
  }
  const full = await client.invoke(new Api.messages.GetFullChat({ chatId: (chat.peer as Api.InputPeerChat).chatId }));
  const participants = (full.fullChat as Api.ChatFull).participants;
  if (!(participants instanceof Api.ChatParticipants)) return { count: null, visible: false };
  const groupMembers = listedMembers(participants.participants, full.users, now());
  return { count: participants.participants.length, visible: true, groupMembers };
}
