import { describe, expect, it } from 'vitest';
import { describeFilter, parseActiveDays, parseExportRequest } from '../../../src/bot/export/export-request.js';

const parsed = (input: string) => {
  const result = parseExportRequest(input);
  if (!result.ok) throw new Error(result.message);
  return result.value;
};
const refusal = (input: string) => {
  const result = parseExportRequest(input);
  if (result.ok) throw new Error(`accepted ${input}`);
  return result.message;
};

describe('/export arguments', () => {
  it('defaults to CSV of one chat with no filter', () => {
    expect(parsed('@chat')).toEqual({ targets: [{ raw: '@chat', target: { kind: 'username', username: 'chat' } }], format: 'csv', filter: {}, common: false, extra: false });
  });

  it('reads every option, anywhere, as --name value or --name=value', () => {
    const r = parsed('--format=XLSX @alpha --active 30d t.me/bravo --no-bots --username --premium --admins --common --extra');
    expect(r.targets.map((t) => t.raw)).toEqual(['@alpha', 't.me/bravo']);
    expect(r).toMatchObject({ format: 'xlsx', common: true, extra: true, filter: { activeDays: 30, noBots: true, withUsername: true, premium: true, admins: true } });
  });

  it('takes --active as 30d, 30, 30days and a phone-typed —no-bots', () => {
    expect(parseActiveDays('30d')).toEqual({ ok: true, value: 30 });
    expect(parseActiveDays('30')).toEqual({ ok: true, value: 30 });
    expect(parseActiveDays('7 days')).toEqual({ ok: true, value: 7 });
    expect(parseActiveDays('1day')).toEqual({ ok: true, value: 1 });
    expect(parsed('@alpha --active=3d').filter).toEqual({ activeDays: 3 });
    expect(parsed('@alpha —no-bots').filter).toEqual({ noBots: true });
    expect(parsed('@alpha --nobots').filter).toEqual({ noBots: true });
  });

  it.each([
    ['@alpha --format pdf', '--format must be csv, json or xlsx (got "pdf").'],
    ['@alpha --format', '--format needs a format: csv, json or xlsx, like --format xlsx.'],
    ['@alpha --format --premium', '--format needs a format: csv, json or xlsx, like --format xlsx.'],
    ['@alpha --active', '--active needs a number of days, like --active 30d.'],
    ['@alpha --active 2w', '--active needs a number of days, like --active 30d (got "2w").'],
    ['@alpha --active -3', '--active needs a number of days, like --active 30d (got "-3").'],
    ['@alpha --active 0d', '--active must be from 1 to 3,650 days (got 0d).'],
    ['@alpha --active 4000', '--active must be from 1 to 3,650 days (got 4000).'],
    ['@alpha --active 3 --active 4', '--active is given twice.'],
    ['@alpha --premium --premium', '--premium is given twice.'],
    ['@alpha --premium=yes', '--premium takes no value: write just --premium.'],
    ['@alpha --limit 5', 'Unknown option --limit. /export takes --format, --active, --no-bots, --username, --premium, --admins, --common and --extra.'],
    ['@alpha -format csv', 'Options start with two dashes, like --format. /export takes --format, --active, --no-bots, --username, --premium, --admins, --common and --extra.'],
    ['@alpha --common', '--common keeps the members present in every chat named, so it needs at least two chats, like /export @first @second --common.'],
    ['--format json', 'Name the chat to export, like /export @somechat.'],
    ['https://example.com/x', '"https://example.com/x" is not a chat: use @username, https://t.me/name or an invite link like t.me/+AbCdEf123.'],
    ['"@alpha', 'A quote is not closed: add the closing " after "@alpha".'],
    [Array.from({ length: 21 }, (_, i) => `@chat${i}`).join(' '), '/export takes at most 20 chats at a time (got 21).'],
  ])('refuses %j in plain words', (input, message) => {
    expect(refusal(input)).toBe(message);
  });

  it('says the filters in words', () => {
    expect(describeFilter({})).toBe('');
    expect(describeFilter({ activeDays: 1, noBots: true, withUsername: true, premium: true, admins: true })).toBe('active within 1 day, no bots, with a username, premium, admins');
  });
});
