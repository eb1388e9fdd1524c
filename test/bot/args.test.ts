import { describe, expect, it } from 'vitest';
import { DAYS_FLAG, JOIN_FLAG, LIMIT_FLAG, parseArgs, tokenize } from '../../src/bot/args.js';
import { parseSendArgs } from '../../src/bot/features/send.js';

const values = (input: string) => {
  const r = tokenize(input);
  if (!r.ok) throw new Error(r.message);
  return r.value.map((t) => t.value);
};

describe('tokenize', () => {
  it('splits at whitespace and groups quoted words', () => {
    expect(values('  @chat  "used bike"   sale ')).toEqual(['@chat', 'used bike', 'sale']);
    expect(values("'single quotes' “curly quotes” «guillemets»")).toEqual(['single quotes', 'curly quotes', 'guillemets']);
    expect(values('"say \\"hi\\""')).toEqual(['say "hi"']);
    expect(values('')).toEqual([]);
  });

  it('refuses an unclosed quote', () => {
    expect(tokenize('"0 9 * * *')).toMatchObject({ ok: false, message: expect.stringContaining('A quote is not closed') });
  });
});

describe('parseArgs', () => {
  const spec = { limit: LIMIT_FLAG, days: DAYS_FLAG, join: JOIN_FLAG };

  it('takes options anywhere, in both forms', () => {
    const r = parseArgs('--join @chat --limit=1,000 --days 7', spec);
    expect(r).toMatchObject({ ok: true, value: { flags: { join: true, limit: 1000, days: 7 } } });
    if (r.ok) expect(r.value.positionals.map((t) => t.value)).toEqual(['@chat']);
  });

  it('stops reading options after --', () => {
    const r = parseArgs('@chat -- --limit', spec);
    if (!r.ok) throw new Error(r.message);
    expect(r.value.positionals.map((t) => t.value)).toEqual(['@chat', '--limit']);
  });

  it.each([
    ['@chat --limit', '--limit needs a number, like --limit 5000.'],
    ['@chat --limit --join', '--limit needs a number, like --limit 5000.'],
    ['@chat --limit=', '--limit needs a number, like --limit 5000.'],
    ['@chat --limit 1e6', '--limit must be a whole number (got "1e6").'],
    ['@chat --days 99999', '--days must be from 1 to 3,650 (got 99999).'],
    ['@chat --nope', 'Unknown option --nope. This command takes --limit, --days and --join.'],
  ])('refuses %j', (input, message) => {
    expect(parseArgs(input, spec)).toEqual({ ok: false, message });
  });
});

describe('parseSendArgs', () => {
  it('keeps the text verbatim, line breaks and spacing included', () => {
    expect(parseSendArgs('@friend Hello there,\n  see you   at 5')).toEqual({ ok: true, value: { target: '@friend', text: 'Hello there,\n  see you   at 5', account: undefined } });
  });

  it('reads --account before or after the text', () => {
    expect(parseSendArgs('--account 2 @friend hi')).toMatchObject({ ok: true, value: { text: 'hi', account: 2 } });
    expect(parseSendArgs('@friend hi there --account 3')).toMatchObject({ ok: true, value: { text: 'hi there', account: 3 } });
    expect(parseSendArgs('@friend hi --account=4')).toMatchObject({ ok: true, value: { text: 'hi', account: 4 } });
  });

  it('unquotes a text given in quotes, and leaves dashes inside the text alone', () => {
    expect(parseSendArgs('@friend "--account is a word"')).toMatchObject({ ok: true, value: { text: '--account is a word' } });
    expect(parseSendArgs('@friend use --force when you must')).toMatchObject({ ok: true, value: { text: 'use --force when you must' } });
    // Shaped like a mistyped option at the end: refused rather than sent; quotes make it text.
    expect(parseSendArgs('@friend use --force wisely')).toMatchObject({ ok: false, message: expect.stringContaining('Unknown option --force') });
    expect(parseSendArgs('@friend "use --force wisely"')).toMatchObject({ ok: true, value: { text: 'use --force wisely' } });
  });

  it('refuses a missing text or a stray option', () => {
    expect(parseSendArgs('@friend --account 2')).toMatchObject({ ok: false, message: expect.stringContaining('The message text is missing') });
    expect(parseSendArgs('@friend hi --account')).toMatchObject({ ok: false, message: '--account needs a number, like --account 2.' });
    expect(parseSendArgs('@friend hi --silent')).toMatchObject({ ok: false, message: 'Unknown option --silent. /send takes only --account ID.' });
    expect(parseSendArgs(`@friend ${'x'.repeat(4097)}`)).toMatchObject({ ok: false, message: expect.stringContaining('too long') });
  });
});
