import { Writable } from 'node:stream';
import { pino } from 'pino';
import { describe, expect, it } from 'vitest';
import { ConformanceViolationError, createConformanceRecorder, type BotApiExchange } from '../../../../src/sandbox/bot-api/index.js';

const OLD_GET_CHAT = JSON.stringify({
  ok: true,
  result: {
    id: 7,
    type: 'private',
    first_name: 'Ada',
    accent_color_id: 0,
    max_reaction_count: 11,
    accepted_gift_types: { unlimited_gifts: false, limited_gifts: false, unique_gifts: false, premium_subscription: false },
  },
});

const exchange = (over: Partial<BotApiExchange> = {}): BotApiExchange => ({
  method: 'getChat',
  params: { values: new Map([['chat_id', '7']]), files: new Map() },
  status: 200,
  body: OLD_GET_CHAT,
  ...over,
});

describe('ConformanceRecorder', () => {
  it('does name the method and the field path of what the sandbox once sent for getChat', () => {
    const recorder = createConformanceRecorder();
    expect(recorder.record(exchange())).toEqual([
      { method: 'getChat', side: 'response', path: 'result.accepted_gift_types', problem: 'missing required field gifts_from_channels' },
    ]);
    expect(recorder.exchanges).toBe(1);
    expect(() => recorder.assertNone()).toThrow(
      new ConformanceViolationError(['getChat result.accepted_gift_types: missing required field gifts_from_channels']),
    );
    // assertNone forgets what it reported.
    expect(recorder.violations()).toEqual([]);
  });

  it('does log each distinct violation once at warn, and keep a bounded list', () => {
    const lines: string[] = [];
    const logger = pino({ level: 'debug' }, new Writable({ write: (chunk: Buffer, _e, done) => (lines.push(chunk.toString()), done()) }));
    const recorder = createConformanceRecorder({ logger, keep: 2 });
    for (let i = 0; i < 3; i += 1) recorder.record(exchange());
    expect(lines).toHaveLength(1);
    expect(JSON.parse(lines[0] ?? '{}')).toMatchObject({ level: 40, msg: 'Bot API conformance: getChat result.accepted_gift_types: missing required field gifts_from_channels' });
    expect(recorder.take()).toHaveLength(2);
    expect(recorder.take()).toEqual([]);
  });

  it('does flag an unknown method and a body that is not JSON, and never throws', () => {
    const recorder = createConformanceRecorder();
    expect(recorder.record(exchange({ method: 'sendTelepathy', body: '{"ok":false,"error_code":404,"description":"Not Found"}', status: 404 })).map((v) => v.path)).toEqual(['method']);
    expect(recorder.record(exchange({ body: '<html>' })).map((v) => v.problem)).toEqual(['is not JSON']);
    expect(recorder.record(exchange({ params: undefined, status: 401, body: '{"ok":false,"error_code":401,"description":"Unauthorized"}' }))).toEqual([]);
  });
});
