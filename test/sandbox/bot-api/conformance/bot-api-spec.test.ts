import { describe, expect, it } from 'vitest';
import { loadBotApiSpec, parseBotApiSpec } from '../../../../src/sandbox/bot-api/index.js';
import { BotApiSpecError } from '../../../../src/sandbox/bot-api/conformance/bot-api-spec.js';
import { parseTypeExpression, type TypeExpression } from '../../../../src/sandbox/bot-api/conformance/value-check.js';

const spec = loadBotApiSpec();

function namedTypes(type: TypeExpression): string[] {
  return type.kind === 'array' ? namedTypes(type.of) : type.kind === 'named' ? [type.name] : [];
}

describe('BotApiSpec', () => {
  it('does load Bot API 10.1 from the repository and find methods in any case', () => {
    expect(spec.version).toBe('Bot API 10.1');
    expect(spec.method('GETCHAT')?.name).toBe('getChat');
    expect(spec.method('getChat')?.returns).toEqual(['ChatFullInfo']);
    expect(spec.method('sendTelepathy')).toBeUndefined();
    expect(spec.type('ChatMember')?.subtypes).toContain('ChatMemberAdministrator');
  });

  it('does resolve every type that a field, a return or a union names', () => {
    const names = new Set<string>();
    for (const name of spec.typeNames()) {
      const type = spec.type(name);
      for (const field of type?.fields.values() ?? []) for (const t of field.types) namedTypes(parseTypeExpression(t)).forEach((n) => names.add(n));
      for (const member of type?.subtypes ?? []) namedTypes(parseTypeExpression(member)).forEach((n) => names.add(n));
    }
    for (const method of ['getChat', 'getUpdates', 'sendMessage', 'getChatAdministrators']) {
      for (const t of spec.method(method)?.returns ?? []) namedTypes(parseTypeExpression(t)).forEach((n) => names.add(n));
    }
    expect([...names].filter((n) => spec.type(n) === undefined)).toEqual([]);
  });

  it('does refuse a document that is no specification', () => {
    expect(() => parseBotApiSpec({ methods: [] })).toThrow(BotApiSpecError);
  });
});
