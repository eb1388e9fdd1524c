import { afterEach, describe, expect, it, vi } from 'vitest';
import type { ScrapeResult } from '../../src/engine/operations/scrape.js';
import { OperationFailure } from '../../src/engine/index.js';
import { ADMIN, controlledRunner, createBotHarness, flush, type ApiCall, type BotHarness } from './harness.js';

let h: BotHarness | undefined;
afterEach(async () => {
  vi.useRealTimers();
  await h?.close();
  h = undefined;
});

const RESULT: ScrapeResult = {
  chatId: 1001,
  title: 'Big chat',
  username: 'bigchat',
  chatKind: 'supergroup',
  source: 'participants',
  mode: 'participants',
  found: 1000,
  new: 900,
  known: 100,
  coverage: { list: 1000, search: 0, messages: 0 },
  total: 1000,
  durationMs: 12_000,
  note: null,
};

/** Lets the engine settle (it needs real macrotasks), then moves fake time on. */
async function tick(ms: number): Promise<void> {
  await flush();
  await vi.advanceTimersByTimeAsync(ms);
  await flush();
}

interface Edit {
  readonly at: number;
  readonly text: string;
  readonly call: ApiCall;
}

/** Records when each edit was made (fake time). */
function editLog(harness: BotHarness): Edit[] {
  const log: Edit[] = [];
  harness.bot.api.config.use(async (prev, method, payload, signal) => {
    if (method === 'editMessageText') log.push({ at: Date.now(), text: String((payload as { text: string }).text), call: { method, payload: payload as Record<string, unknown>, files: {} } });
    return prev(method, payload, signal);
  });
  return log;
}

async function setUp() {
  const scrape = controlledRunner('scrape', 'scraping');
  h = await createBotHarness({ register: (e) => e.register(scrape.definition) });
  vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'Date'] });
  const edits = editLog(h);
  await h.send('/scrape @bigchat');
  const [op] = h.engine.listOperations();
  if (!op) throw new Error('no operation');
  const run = await scrape.started(op.id);
  await flush();
  return { scrape, edits, op, run, harness: h };
}

function expectThrottled(edits: readonly Edit[], sent: string) {
  for (let i = 1; i < edits.length; i += 1) {
    expect((edits[i] as Edit).at - (edits[i - 1] as Edit).at).toBeGreaterThanOrEqual(3000);
    expect((edits[i] as Edit).text).not.toBe((edits[i - 1] as Edit).text);
  }
  if (edits[0]) expect(edits[0].text).not.toBe(sent);
}

describe('ProgressReporter', () => {
  it('sends one message per operation and remembers it on the operation', async () => {
    const { op, harness } = await setUp();
    const sent = harness.of('sendMessage');
    expect(sent).toHaveLength(1);
    expect(sent[0]?.payload.chat_id).toBe(ADMIN);
    expect(String(sent[0]?.payload.text)).toMatch(/Scrape @bigchat \(#\d+\)/);
    expect(JSON.stringify(sent[0]?.payload.reply_markup)).toContain(`op:${op.id}:c`);
    const stored = harness.engine.getOperation(op.id);
    expect(stored?.reportChatId).toBe(ADMIN);
    expect(stored?.reportMessageId).toBe(101);
  });

  it('edits at most once per 3 s, never with unchanged text, with bar, rate and ETA', async () => {
    const { edits, run, harness } = await setUp();
    const sentText = String(harness.of('sendMessage')[0]?.payload.text);
    for (let i = 1; i <= 50; i += 1) {
      run.ctx.progress(i * 10, 1000);
      await tick(200);
    }
    // 10 s of progress: the first edit at once, then one per 3 s.
    expect(edits.length).toBeGreaterThanOrEqual(3);
    expect(edits.length).toBeLessThanOrEqual(5);
    expectThrottled(edits, sentText);
    const last = edits.at(-1) as Edit;
    expect(last.text).toMatch(/▓+░+ \d+%/);
    expect(last.text).toMatch(/\d+ \/ 1,000 · \d+\/s · about .* left/);
    expect(last.text).toContain('Account #');
    expect(JSON.stringify(last.call.payload.reply_markup)).toMatch(/op:\d+:c/);

    // The last state is shown at the next slot; then nothing changes for a while: no edit at all.
    await tick(3000);
    const before = edits.length;
    await tick(20_000);
    expect(edits.length).toBe(before);
    // The same progress again changes nothing either.
    run.ctx.progress(500, 1000);
    await tick(5_000);
    expect(edits.length).toBe(before);
  });

  it('coalesces a burst: the latest state wins', async () => {
    const { edits, run } = await setUp();
    run.ctx.progress(1, 1000);
    await tick(10);
    const afterFirst = edits.length;
    for (let i = 2; i <= 100; i += 1) run.ctx.progress(i, 1000);
    await tick(3000);
    expect(edits.length).toBe(afterFirst + 1);
    expect((edits.at(-1) as Edit).text).toContain('100 / 1,000');
  });

  it('ends with ✅, the scrape summary and an Export CSV button', async () => {
    const { edits, run } = await setUp();
    run.ctx.progress(500, 1000);
    await tick(100);
    run.resolve(RESULT);
    await tick(3000);
    const final = edits.at(-1) as Edit;
    expect(final.text.startsWith('✅')).toBe(true);
    expect(final.text).toContain('Found 1,000 of 1,000 members (100%).\nAll from the member list.');
    expect(final.text).toContain('New: 900 · already known: 100');
    expect(final.text).toContain('Took 12 s');
    expect(JSON.stringify(final.call.payload.reply_markup)).toContain('"callback_data":"ex:1001"');
    expect(JSON.stringify(final.call.payload.reply_markup)).toContain('"callback_data":"sx:1001"');
    expectThrottled(edits, '');
    await tick(10_000);
    expect(edits.at(-1)).toBe(final);
  });

  it('ends with ❌ and the reason in plain words', async () => {
    const { edits, run } = await setUp();
    run.reject(new OperationFailure({ kind: 'private', message: 'The chat is private: this account must join it first (add --join, or use an invite link).' }));
    await tick(3000);
    const final = edits.at(-1) as Edit;
    expect(final.text).toMatch(/^❌ Scrape @bigchat \(#\d+\) failed: The chat is private: this account must join it first/);
    expect(final.call.payload.reply_markup).toEqual({ inline_keyboard: [] });
  });

  it('ends with ⏹ when cancelled from its Cancel button', async () => {
    const { edits, op, run, harness } = await setUp();
    run.ctx.progress(40, 1000);
    await tick(3000);
    const editsBefore = edits.length;
    await harness.press(`op:${op.id}:c`, { messageId: 101 });
    await tick(3000);
    const answer = harness.of('answerCallbackQuery').at(-1);
    expect(String(answer?.payload.text)).toMatch(/Stopping operation|cancelled/);
    const final = edits.at(-1) as Edit;
    expect(edits.length).toBe(editsBefore + 1);
    expect(final.text).toMatch(/^⏹ Scrape @bigchat \(#\d+\) cancelled\./);
    expect(final.text).toContain('Stopped after 40');
    expect(harness.engine.getOperation(op.id)?.status).toBe('cancelled');
  });

  it('keeps editing the stored message after a restart instead of sending a new one', async () => {
    const { op, harness } = await setUp();
    vi.useRealTimers();
    // A second bot on the same engine and database, as after a restart of the panel.
    const second = await createBotHarness({ engineHarness: { engine: harness.engine, db: harness.db } });
    const edits = editLog(second);
    const ops = harness.engine.getOperation(op.id);
    expect(ops?.reportMessageId).toBe(101);
    harness.bot.panel.services.progress.detach();
    harness.engine.cancel(op.id);
    // The finish is announced once committed; then the second panel's edit of message 101 is under way.
    await harness.engine.waitFor(op.id);
    await second.bot.panel.services.progress.editor.idle({ chatId: ADMIN, messageId: 101 });
    expect(second.of('sendMessage')).toHaveLength(0);
    expect(edits).toHaveLength(1);
    expect(edits[0]?.call.payload.message_id).toBe(101);
    expect(edits[0]?.text.startsWith('⏹')).toBe(true);
    await second.bot.panel.stop();
  });
});
