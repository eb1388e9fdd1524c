import { randomBytes } from 'node:crypto';

/** The bot's answer to a button press. */
export interface CallbackAnswer {
  readonly text: string | undefined;
  readonly showAlert: boolean;
}

export interface CallbackQueries {
  /**
   * Opens a query. The promise settles with the bot's answer, or with `undefined` when the bot does
   * not answer within `timeoutMs` or the server stops; a late answer is then refused, as by Telegram.
   */
  open(timeoutMs: number): { readonly id: string; readonly answer: Promise<CallbackAnswer | undefined> };
  /** Answers an open query; `false` when it is unknown or expired. */
  answer(id: string, answer: CallbackAnswer): boolean;
  /** Settles every open query with `undefined`. */
  close(): void;
}

export function createCallbackQueries(): CallbackQueries {
  const open = new Map<string, (answer: CallbackAnswer | undefined) => void>();

  return {
    open(timeoutMs) {
      // Telegram's query ids are 64-bit numbers written in decimal.
      const id = BigInt(`0x${randomBytes(8).toString('hex')}`).toString();
      const answer = new Promise<CallbackAnswer | undefined>((resolve) => {
        const timer = setTimeout(() => settle(undefined), timeoutMs);
        // A press nobody answers must not keep a test process or the playground alive.
        timer.unref();
        const settle = (value: CallbackAnswer | undefined): void => {
          clearTimeout(timer);
          open.delete(id);
          resolve(value);
        };
        open.set(id, settle);
      });
      return { id, answer };
    },
    answer(id, answer) {
      const settle = open.get(id);
      if (settle === undefined) return false;
      settle(answer);
      return true;
    },
    close() {
      for (const settle of [...open.values()]) settle(undefined);
    },
  };
}
