import { describe, expect, it } from 'vitest';
import { callbackDataOf, readReplyMarkup, sameMarkup } from '../../../src/sandbox/bot-api/inline-keyboard.js';

describe('readReplyMarkup', () => {
  it('does drop empty rows and nulls, and read an empty keyboard as none', () => {
    const read = readReplyMarkup({ inline_keyboard: [[], [{ text: 'A', callback_data: 'a', url: null }]] });
    expect(read).toEqual({ kind: 'inline', markup: { inline_keyboard: [[{ text: 'A', callback_data: 'a' }]] } });
    expect(readReplyMarkup({ inline_keyboard: [[]] })).toEqual({ kind: 'inline', markup: undefined });
    expect(readReplyMarkup(undefined)).toEqual({ kind: 'none' });
    expect(readReplyMarkup({ remove_keyboard: true })).toEqual({ kind: 'other' });
  });

  it('does refuse malformed keyboards with Telegram’s wording', () => {
    expect(() => readReplyMarkup({ inline_keyboard: [{ text: 'A' }] })).toThrow(/should be an Array of Arrays/);
    expect(() => readReplyMarkup({ inline_keyboard: [[{ text: 'A', url: 'not a url' }]] })).toThrow('BUTTON_URL_INVALID');
    expect(() => readReplyMarkup({ inline_keyboard: [[{ callback_data: 'a' }]] })).toThrow(/Field "text" must be of type String/);
  });
});

describe('sameMarkup', () => {
  it('does compare keyboards regardless of key order', () => {
    const a = { inline_keyboard: [[{ text: 'A', callback_data: 'a' }]] };
    const b = { inline_keyboard: [[{ callback_data: 'a', text: 'A' }]] };
    expect(sameMarkup(a, b)).toBe(true);
    expect(sameMarkup(a, undefined)).toBe(false);
    expect(sameMarkup(undefined, undefined)).toBe(true);
    expect(callbackDataOf(a)).toEqual(['a']);
  });
});
