import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { loadBotApiSpec } from '../../../../src/sandbox/bot-api/index.js';
import { checkValue, parseTypeExpression } from '../../../../src/sandbox/bot-api/conformance/value-check.js';
import { minimalValue } from './spec-values.js';

const spec = loadBotApiSpec();
const context = { spec, fileParts: new Set<string>() };
const check = (types: string[], value: unknown, path = 'result') => checkValue(context, types, value, path);
const texts = (types: string[], value: unknown) => check(types, value).map((p) => `${p.path}: ${p.problem}`);

/** Object types whose minimal value exists and that have at least one required field. */
const objectTypes = spec
  .typeNames()
  .filter((name) => (spec.type(name)?.subtypes.length ?? 1) === 0 && minimalValue(spec, name) !== undefined)
  .filter((name) => [...(spec.type(name)?.fields.values() ?? [])].some((f) => f.required));

describe('checkValue', () => {
  it('does parse the docs’ type names, arrays of arrays included', () => {
    expect(parseTypeExpression('Array of Array of InlineKeyboardButton')).toEqual({
      kind: 'array',
      of: { kind: 'array', of: { kind: 'named', name: 'InlineKeyboardButton' } },
    });
    expect(parseTypeExpression('Integer')).toEqual({ kind: 'scalar', name: 'Integer' });
  });

  it('does tell Integer from Float, and take True only as true', () => {
    expect(check(['Integer'], 3)).toEqual([]);
    expect(texts(['Integer'], 3.5)).toEqual(['result: expected Integer, got the number 3.5']);
    expect(check(['Float'], 3.5)).toEqual([]);
    expect(check(['Float'], 3)).toEqual([]);
    expect(check(['True'], true)).toEqual([]);
    expect(texts(['True'], false)).toEqual(['result: expected True, got false']);
    expect(texts(['Integer', 'String'], true)).toEqual(['result: expected Integer or String, got true']);
  });

  it('does name the missing required field and its path, e.g. a ChatFullInfo without gifts_from_channels', () => {
    const chat = {
      id: 7,
      type: 'private',
      first_name: 'Ada',
      accent_color_id: 0,
      max_reaction_count: 11,
      accepted_gift_types: { unlimited_gifts: false, limited_gifts: false, unique_gifts: false, premium_subscription: false },
    };
    expect(texts(['ChatFullInfo'], chat)).toEqual(['result.accepted_gift_types: missing required field gifts_from_channels']);
  });

  it('does refuse unknown fields and nulls, and check arrays element by element', () => {
    expect(texts(['User'], { id: 1, is_bot: false, first_name: 'A', nickname: 'a' })).toEqual(['result: unknown field nickname']);
    expect(texts(['User'], { id: 1, is_bot: false, first_name: 'A', username: null })).toEqual([
      'result.username: is null: Telegram leaves out a field that has no value',
    ]);
    const keyboard = { inline_keyboard: [[{ text: 'a', callback_data: 'x' }, { text: 7 }]] };
    expect(texts(['InlineKeyboardMarkup'], keyboard)).toEqual(['result.inline_keyboard[0][1].text: expected String, got the number 7']);
    expect(texts(['Array of Update'], [{ update_id: 1 }, { update_id: 'two' }])).toEqual(['result[1].update_id: expected Integer, got the string "two"']);
  });

  it('does hold a union to its closest member and say which', () => {
    const admin = { status: 'administrator', user: { id: 1, is_bot: true, first_name: 'B' }, can_be_edited: false, is_anonymous: false };
    const problems = texts(['ChatMember'], admin);
    expect(problems.length).toBeGreaterThan(0);
    expect(problems.every((p) => p.endsWith('(as ChatMemberAdministrator)'))).toBe(true);
    expect(problems).toContain('result: missing required field can_post_stories (as ChatMemberAdministrator)');
    expect(check(['ChatMember'], { status: 'left', user: { id: 1, is_bot: false, first_name: 'A' } })).toEqual([]);
    expect(check(['Message', 'Boolean'], true)).toEqual([]);
  });

  it('does decode text values by their declared type, as Telegram reads forms and JSON-serialized parameters', () => {
    const text = (types: string[], value: unknown) => checkValue(context, types, value, 'params.x', 'text');
    expect(text(['Integer'], '-1001234567890')).toEqual([]);
    expect(text(['Boolean'], 'true')).toEqual([]);
    expect(text(['InlineKeyboardMarkup'], JSON.stringify({ inline_keyboard: [] }))).toEqual([]);
    expect(text(['Array of BotCommand'], '[{"command":"a","description":"b"}]')).toEqual([]);
    expect(text(['Integer'], 'twelve').map((p) => p.problem)).toEqual(['expected Integer, got the string "twelve"']);
    expect(text(['BotCommandScope'], '{"type":"chat","chat_id":1}')).toEqual([]);
    // Nested values come from JSON and keep their JSON types.
    expect(text(['ReplyParameters'], '{"message_id":"5"}').map((p) => p.problem)).toEqual(['expected Integer, got the string "5"']);
  });

  it('does accept the minimal value of every object type of the specification', () => {
    fc.assert(
      fc.property(fc.constantFrom(...objectTypes), (name) => {
        expect(check([name], minimalValue(spec, name))).toEqual([]);
      }),
      { numRuns: 300 },
    );
  });

  it('does name any required field left out, and any field added', () => {
    fc.assert(
      fc.property(fc.constantFrom(...objectTypes), fc.nat(), fc.stringMatching(/^zz_[a-z]{1,8}$/), (name, pick, extra) => {
        const value = minimalValue(spec, name) as Record<string, unknown>;
        const required = Object.keys(value);
        const dropped = required[pick % required.length] ?? '';
        const { [dropped]: _gone, ...rest } = value;
        expect(texts([name], rest)).toEqual([`result: missing required field ${dropped}`]);
        expect(texts([name], { ...value, [extra]: 1 })).toEqual([`result: unknown field ${extra}`]);
      }),
      { numRuns: 300 },
    );
  });
});
