import { describe, expect, it } from 'vitest';
import { accountName, formatPercent, shortPhone } from '../../src/bot/format.js';

const account = (over: { id?: number; phone?: string; label?: string | null; username?: string | null; firstName?: string | null } = {}) => ({
  id: 1,
  phone: '+15550000001',
  label: null,
  username: null,
  ...over,
});

describe('accountName', () => {
  it('tells accounts with the same label apart by username, else by a short phone', () => {
    expect(accountName(account({ label: 'Ops', username: 'ops_one' }))).toBe('#1 Ops (@ops_one)');
    expect(accountName(account({ id: 2, phone: '+15550000002', label: 'Ops' }))).toBe('#2 Ops (+1555…0002)');
    const names = [1, 2, 3].map((id) => accountName(account({ id, phone: `+1555000000${id}`, label: 'Ops' })));
    expect(new Set(names).size).toBe(3);
  });

  it('uses the username or the whole phone when there is no label', () => {
    expect(accountName(account({ username: 'ops_three' }))).toBe('#1 @ops_three');
    expect(accountName(account())).toBe('#1 +15550000001');
    expect(accountName(account({ label: '  ' }))).toBe('#1 +15550000001');
  });

  it('falls back to the name the account has on Telegram when it has no label', () => {
    expect(accountName(account({ firstName: 'Dana', username: 'dana_new' }))).toBe('#1 Dana (@dana_new)');
    expect(accountName(account({ firstName: 'Dana' }))).toBe('#1 Dana (+1555…0001)');
    expect(accountName(account({ label: 'Ops', firstName: 'Dana' }))).toBe('#1 Ops (+1555…0001)');
  });

  it('does not repeat a label that already is the username or the phone', () => {
    expect(accountName(account({ label: '@ops_one', username: 'ops_one' }))).toBe('#1 @ops_one');
    expect(accountName(account({ label: '+15550000001' }))).toBe('#1 +15550000001');
  });
});

describe('shortPhone', () => {
  it('keeps the country and area code and the last four digits', () => {
    expect(shortPhone('+15550000002')).toBe('+1555…0002');
    expect(shortPhone('+4915112345678')).toBe('+4915…5678');
    expect(shortPhone('+12345')).toBe('+12345');
  });
});

describe('formatPercent', () => {
  it('rounds down, so only the whole reads 100%, and shows a share above none as at least <1%', () => {
    expect(formatPercent(9840, 25_000)).toBe('39%');
    expect(formatPercent(29, 100)).toBe('29%');
    expect(formatPercent(9999, 10_000)).toBe('99%');
    expect(formatPercent(10_000, 10_000)).toBe('100%');
    expect(formatPercent(10_001, 10_000)).toBe('100%');
    expect(formatPercent(1, 25_000)).toBe('<1%');
    expect(formatPercent(0, 25_000)).toBe('0%');
  });

  it('tells no share of nothing', () => {
    expect(formatPercent(0, 0)).toBeUndefined();
    expect(formatPercent(5, Number.NaN)).toBeUndefined();
  });
});
