/** A message of a one-to-one conversation, as one side keeps it. */
export interface PrivateMessage {
  readonly id: number;
  readonly date: number;
  /** Sent by the owner of this copy. */
  readonly out: boolean;
  readonly peerUserId: number;
  readonly text: string;
}

/**
 * Every account's one-to-one conversations. As on Telegram, each side keeps its own copy of a private
 * message, numbered in that side's own sequence of message ids.
 */
export class PrivateChats {
  readonly #messages = new Map<string, PrivateMessage[]>();
  readonly #lastId = new Map<number, number>();

  /** The conversation of `ownerUserId` with `peerUserId`, oldest first. */
  history(ownerUserId: number, peerUserId: number): readonly PrivateMessage[] {
    return this.#messages.get(`${ownerUserId}:${peerUserId}`) ?? [];
  }

  /** Adds a message to the copy `ownerUserId` keeps, with the next id of that side. */
  store(ownerUserId: number, message: Omit<PrivateMessage, 'id'>): PrivateMessage {
    const id = (this.#lastId.get(ownerUserId) ?? 0) + 1;
    this.#lastId.set(ownerUserId, id);
    const stored: PrivateMessage = { id, ...message };
    const key = `${ownerUserId}:${message.peerUserId}`;
    const list = this.#messages.get(key);
    if (list) list.push(stored);
    else this.#messages.set(key, [stored]);
    return stored;
  }
}
