import pg from 'pg';
import { pino } from 'pino';
import { describe, expect, it } from 'vitest';
import { isUnreachable, WriteBehind } from '../../../src/engine/distributed/write-behind.js';
import { adminUrl } from '../../db/postgres.js';
import { manualClock } from '../../manual-clock.js';
import { until } from '../../until.js';

/** An error as node-postgres or Node's sockets give it: a message and a code. */
function coded(code: string, message = `failed: ${code}`): Error {
  return Object.assign(new Error(message), { code });
}

describe('isUnreachable', () => {
  it.each([
    ['a refused connection', coded('ECONNREFUSED')],
    ['a reset connection', coded('ECONNRESET')],
    ['a broken pipe', coded('EPIPE')],
    ['a socket timeout', coded('ETIMEDOUT')],
    ['an unreachable host', coded('EHOSTUNREACH')],
    ['an unknown host', coded('ENOTFOUND')],
    ['a name lookup that failed for now', coded('EAI_AGAIN', 'getaddrinfo EAI_AGAIN db.internal')],
    ['an unreachable network', coded('ENETUNREACH', 'connect ENETUNREACH 10.0.0.5:5432')],
    ['a connection exception (class 08)', coded('08006', 'connection failure')],
    ['an administrator shutdown (57P01)', coded('57P01', 'terminating connection due to administrator command')],
    ['a server that cannot take connections now (57P03)', coded('57P03', 'the database system is starting up')],
    ['too many connections (53300)', coded('53300', 'sorry, too many clients already')],
    ['a dropped connection', new Error('Connection terminated unexpectedly')],
    ['a client that cannot query any more', new Error('Client has encountered a connection error and is not queryable')],
    ['a pool that could not hand out a connection in time', new Error('timeout exceeded when trying to connect')],
    ['a wrapped cause', new Error('the write failed', { cause: coded('ENETUNREACH') })],
  ])('counts %s as unreachable', (_what, error) => {
    expect(isUnreachable(error)).toBe(true);
  });

  it.each([
    ['a unique violation', coded('23505', 'duplicate key value violates unique constraint')],
    ['a disk full (53100)', coded('53100', 'could not extend file')],
    ['out of memory (53200)', coded('53200', 'out of memory')],
    ['a syntax error', coded('42601', 'syntax error at or near "SELEC"')],
    ['a plain error', new Error('no such operation')],
    ['something not an error', 'ECONNREFUSED'],
  ])('does not count %s', (_what, error) => {
    expect(isUnreachable(error)).toBe(false);
  });

  it('counts the error of a pool that stays full past its connect timeout', async () => {
    const pool = new pg.Pool({ connectionString: adminUrl, max: 1, connectionTimeoutMillis: 20 });
    const held = await pool.connect();
    try {
      const error = await pool.connect().then(
        (client) => (client.release(), undefined),
        (caught: unknown) => caught,
      );
      expect(error).toBeInstanceOf(Error);
      expect(isUnreachable(error)).toBe(true);
    } finally {
      held.release();
      await pool.end();
    }
  });
});

describe('WriteBehind', () => {
  const logger = pino({ level: 'silent' });
  const refused = (): Promise<void> => Promise.reject(coded('ECONNREFUSED'));
  /** Whether a promise settled, read without waiting for it. */
  const watch = <T>(promise: Promise<T>): { readonly settled: boolean; readonly value: T | undefined } => {
    const state = { settled: false, value: undefined as T | undefined };
    void promise.then((value) => {
      state.settled = true;
      state.value = value;
    });
    return state;
  };

  it('retries an unreachable write with backoff until it commits', async () => {
    const clock = manualClock();
    const writes = new WriteBehind({ logger, clock, retryMs: 100, maxRetryMs: 300 });
    let calls = 0;
    const result = watch(writes.push('w', () => (++calls < 4 ? refused() : Promise.resolve())));
    for (const pause of [100, 200, 300]) {
      await until(() => clock.pending().length === 1, 'a backoff wait');
      expect(clock.pending()).toEqual([pause]);
      clock.advance(pause);
    }
    await until(() => result.settled, 'the write to commit');
    expect(result.value).toBe(true);
    expect(calls).toBe(4);
  });

  it('ends a backoff wait at once on close: the write is dropped, not tried again, and no timer is left', async () => {
    const clock = manualClock();
    const writes = new WriteBehind({ logger, clock, retryMs: 5000 });
    let calls = 0;
    const first = watch(writes.push('unreachable', () => (calls++, refused())));
    let behind = 0;
    const second = watch(writes.push('behind it', async () => void behind++));
    await until(() => clock.pending().length === 1, 'the first backoff wait');

    writes.close();
    // No time passes: close alone ends the wait.
    await until(() => first.settled && second.settled, 'both writes to settle after close', { tries: 200 });
    expect(first.value).toBe(false);
    expect(calls).toBe(1);
    // A write queued behind is still tried once (it may reach the database), just never waited for.
    expect(second.value).toBe(true);
    expect(behind).toBe(1);
    expect(clock.pending()).toEqual([]);
    expect(writes.pending).toBe(0);
  });

  it('after close, drops an unreachable write on its first failure', async () => {
    const clock = manualClock();
    const writes = new WriteBehind({ logger, clock });
    writes.close();
    expect(await writes.push('late', refused)).toBe(false);
    expect(clock.pending()).toEqual([]);
  });
});
