import type { WorldChat } from './world-file.js';

/** Who wrote a message: a pool user, a sandbox account, or nobody (a broadcast channel post). */
export type MessageAuthor = { readonly kind: 'pool'; readonly n: number } | { readonly kind: 'account'; readonly userId: number };

export interface ChatMessage {
  readonly id: number;
  /** Unix seconds. */
  readonly date: number;
  readonly author: MessageAuthor | undefined;
  readonly text: string;
}

/** The paging parameters of messages.GetHistory. */
export interface HistoryQuery {
  readonly offsetId: number;
  readonly offsetDate: number;
  readonly addOffset: number;
  readonly limit: number;
  readonly maxId: number;
  readonly minId: number;
}

const TEXTS = [
  'Good morning everyone',
  'Has anyone tried the new release?',
  'Thanks, that helped a lot',
  'Where can I find the schedule?',
  'Welcome to the new members!',
  'I agree with the previous message',
  'Any recommendations for a weekend trip?',
  'See you all at the meetup',
  'Can someone share the link again?',
  'Great discussion today',
];

/**
 * The messages of one chat: `messages.count` generated ones (ids 1..count, spread evenly over the
 * last `days` days before the world started, authors taken in turn), then live ones appended as they
 * arrive. Generated messages are computed on demand, never stored.
 */
export class ChatHistory {
  private readonly generated: number;
  private readonly spanSeconds: number;
  private readonly live: ChatMessage[] = [];

  constructor(
    private readonly chat: WorldChat,
    private readonly startSeconds: number,
  ) {
    this.generated = chat.messages?.count ?? 0;
    this.spanSeconds = Math.round((chat.messages?.days ?? 0) * 86_400);
  }

  /** Number of messages, which is also the highest id. */
  get count(): number {
    return this.generated + this.live.length;
  }

  message(id: number): ChatMessage | undefined {
    if (!Number.isInteger(id) || id < 1) return undefined;
    if (id <= this.generated) return this.generatedMessage(id);
    return this.live[id - this.generated - 1];
  }

  /** Appends a live message and returns it. */
  append(author: MessageAuthor | undefined, text: string, date: number): ChatMessage {
    const last = this.message(this.count);
    const message: ChatMessage = { id: this.count + 1, date: Math.max(date, last?.date ?? 0), author, text };
    this.live.push(message);
    return message;
  }

  /** Messages newest first, as messages.GetHistory pages them. */
  slice(q: HistoryQuery): ChatMessage[] {
    const top = this.count;
    let upper: number; // ids below this one are "older than the offset"
    if (q.offsetId > 0) upper = Math.min(q.offsetId, top + 1);
    else if (q.offsetDate > 0) upper = this.firstIdAtOrAfter(q.offsetDate);
    else upper = top + 1;
    const limit = Math.max(0, q.limit);
    let hi = upper - 1 - q.addOffset;
    let lo = hi - limit + 1;
    hi = Math.min(hi, top);
    if (q.maxId > 0) hi = Math.min(hi, q.maxId - 1);
    lo = Math.max(lo, 1);
    if (q.minId > 0) lo = Math.max(lo, q.minId + 1);
    const out: ChatMessage[] = [];
    for (let id = hi; id >= lo; id--) {
      const m = this.message(id);
      if (m) out.push(m);
    }
    return out;
  }

  private generatedMessage(id: number): ChatMessage {
    const g = this.generated;
    const date = this.startSeconds - Math.floor((this.spanSeconds * (g - id + 0.5)) / g);
    const authors = this.chat.messages?.authors;
    const author: MessageAuthor | undefined =
      this.chat.kind === 'channel' || !authors || authors.count === 0
        ? undefined
        : { kind: 'pool', n: authors.from + ((id - 1) % authors.count) };
    return { id, date, author, text: `${TEXTS[(id * 7) % TEXTS.length] ?? ''} (#${id})` };
  }

  /** The lowest id whose date is at or after `date` (count + 1 when none). */
  private firstIdAtOrAfter(date: number): number {
    let lo = 1;
    let hi = this.count + 1;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      const m = this.message(mid);
      if (m !== undefined && m.date < date) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }
}
