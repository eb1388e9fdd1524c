import { phoneDigits, type WorldFault } from './world-file.js';

/** Methods that keep the connection alive; `*` faults leave them alone so fault timing stays deterministic. */
const CONNECTION_METHODS = new Set(['PingDelayDisconnect', 'Ping', 'help.GetConfig']);

interface FaultCounter {
  readonly accountDigits: string;
  readonly method: string;
  readonly afterCalls: number;
  readonly times: number;
  readonly error: string;
  calls: number;
}

/** The world file's `faults` (docs/sandbox.md), each counting the calls it matches. */
export class Faults {
  readonly #counters: FaultCounter[];

  constructor(faults: readonly WorldFault[]) {
    this.#counters = faults.map((f) => ({ accountDigits: phoneDigits(f.account), method: f.method.toLowerCase(), afterCalls: f.afterCalls, times: f.times, error: f.error, calls: 0 }));
  }

  /** Counts a call of `method` by the account with `phone`; the error it must fail with, if a fault says so. */
  take(phone: string, method: string): string | undefined {
    const digits = phoneDigits(phone);
    const name = method.toLowerCase();
    let error: string | undefined;
    for (const f of this.#counters) {
      if (f.accountDigits !== digits) continue;
      if (f.method === '*' ? CONNECTION_METHODS.has(method) : f.method !== name) continue;
      f.calls += 1;
      if (error === undefined && f.calls > f.afterCalls && f.calls <= f.afterCalls + f.times) error = f.error;
    }
    return error;
  }
}
