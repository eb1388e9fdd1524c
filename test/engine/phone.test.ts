import { describe, expect, it } from 'vitest';
import { parsePhone } from '../../src/engine/phone.js';

describe('parsePhone', () => {
  it.each([
    ['+15551234567', '+15551234567'],
    ['15551234567', '+15551234567'],
    [' +1 (555) 123-4567 ', '+15551234567'],
  ])('reads %j', (text, phone) => expect(parsePhone(text)).toEqual({ ok: true, phone }));

  it.each(['', 'hello', '+0123456', '+1234', '+12345678901234567', '+1 555 abc'])('refuses %j in plain words', (text) => {
    const parsed = parsePhone(text);
    expect(parsed.ok).toBe(false);
    if (!parsed.ok) expect(parsed.message).toMatch(/is not a phone number: use the international form/);
  });
});
