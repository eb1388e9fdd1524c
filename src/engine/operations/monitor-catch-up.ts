import bigInt from 'big-integer';
import { Api, utils, type TelegramClient } from 'telegram';

/**
 * Telegram's largest page for messages.getHistory: "limit: Number of results to return", at most 100
 * (https://core.telegram.org/api/offsets, "limit parameter"; src/sandbox/server/message-methods.ts).
 */
export const HISTORY_PAGE = 100;

/** What a catch-up read: the messages after the monitor's last one, oldest first. */
export interface CaughtUp {
  readonly messages: readonly Api.Message[];
  /** The newest id read, or `sinceId` when nothing newer was there. */
  readonly top: number;
  /** Whether more than `cap` messages came after `sinceId`: the older ones past the cap were not read. */
  readonly capped: boolean;
}

const historyRequest = (peer: Api.TypeInputPeer, offsetId: number, limit: number, minId: number): Api.messages.GetHistory =>
  new Api.messages.GetHistory({ peer, offsetId, offsetDate: 0, addOffset: 0, limit, maxId: 0, minId, hash: bigInt(0) });

const messagesOf = (history: Api.messages.TypeMessages): Api.TypeMessage[] => (history instanceof Api.messages.MessagesNotModified ? [] : history.messages);

/**
 * A page's messages with their senders and chat attached, as GramJS's own iterMessages does for what it returns
 * (telegram/client/messages.js, _MessagesIter): `message.sender` of a raw invoke is otherwise empty.
 */
function withEntities(client: TelegramClient, history: Api.messages.TypeMessages, peer: Api.TypeInputPeer): Api.TypeMessage[] {
  if (history instanceof Api.messages.MessagesNotModified) return [];
  const entities = new Map([...history.users, ...history.chats].map((entity) => [utils.getPeerId(entity), entity]));
  for (const message of history.messages) if (message instanceof Api.Message) message._finishInit(client, entities, peer);
  return history.messages;
}

/**
 * The id of the chat's newest message, 0 when it has none: where a new monitor starts from. One messages.getHistory
 * of one message (offset_id 0 pages from the newest, https://core.telegram.org/api/offsets).
 */
export async function newestMessageId(client: TelegramClient, peer: Api.TypeInputPeer): Promise<number> {
  const [newest] = messagesOf(await client.invoke(historyRequest(peer, 0, 1, 0)));
  return newest?.id ?? 0;
}

/**
 * The messages of a chat newer than `sinceId`, at most `cap` of them (the newest), oldest first. messages.getHistory
 * with `min_id` returns only messages whose id is above it, newest first, and `offset_id` (the oldest id of the page
 * before) pages further back (https://core.telegram.org/method/messages.getHistory, https://core.telegram.org/api/offsets;
 * GramJS's iterMessages pages the same way), so `ceil(cap / 100)` requests at most (one more when the last page is full). Service messages (joins, pins) have
 * no text a keyword could match, and are left out.
 */
export async function messagesSince(client: TelegramClient, peer: Api.TypeInputPeer, sinceId: number, cap: number, signal?: AbortSignal): Promise<CaughtUp> {
  const read: Api.Message[] = [];
  let offsetId = 0;
  let top = sinceId;
  let capped = false;
  for (let got = 0; got < cap; ) {
    signal?.throwIfAborted();
    const limit = Math.min(HISTORY_PAGE, cap - got);
    const page = withEntities(client, await client.invoke(historyRequest(peer, offsetId, limit, sinceId)), peer);
    // Ids above `sinceId` only, as min_id asks: a server that sent more must not make the loop go back forever.
    const newer = page.filter((m) => m.id > sinceId && (offsetId === 0 || m.id < offsetId));
    if (newer.length === 0) break;
    got += newer.length;
    for (const m of newer) {
      top = Math.max(top, m.id);
      if (m instanceof Api.Message) read.push(m);
    }
    offsetId = Math.min(...newer.map((m) => m.id));
    // A short page is the last one, as GramJS's iterMessages reads it.
    if (page.length < limit) break;
    // Got the cap while older ones than the last page may remain: said so, the rest is not read.
    if (got >= cap && offsetId > sinceId + 1) capped = true;
  }
  read.sort((a, b) => a.id - b.id);
  return { messages: read, top, capped };
}
