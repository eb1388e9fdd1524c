import pg from 'pg';
import { describe, expect, it } from 'vitest';
import { isUnreachable } from '../../../src/engine/distributed/write-behind.js';
import { adminUrl } from '../../db/postgres.js';

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
