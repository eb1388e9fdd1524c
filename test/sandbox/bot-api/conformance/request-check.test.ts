import { describe, expect, it } from 'vitest';
import { loadBotApiSpec } from '../../../../src/sandbox/bot-api/index.js';
import { checkRequest } from '../../../../src/sandbox/bot-api/conformance/request-check.js';
import type { RequestParams } from '../../../../src/sandbox/bot-api/request-body.js';

const spec = loadBotApiSpec();

function request(values: Record<string, unknown>, files: string[] = []): RequestParams {
  return { values: new Map(Object.entries(values)), files: new Map(files.map((name) => [name, { filename: `${name}.bin`, bytes: Buffer.from('x') }])) };
}

function problems(method: string, values: Record<string, unknown>, files: string[] = []): string[] {
  const spec_ = spec.method(method);
  if (spec_ === undefined) throw new Error(`no method ${method}`);
  return checkRequest(spec, spec_, request(values, files)).map((p) => `${p.path}: ${p.problem}`);
}

describe('checkRequest', () => {
  it('does pass what grammY sends as JSON', () => {
    expect(
      problems('sendMessage', {
        chat_id: -1001234567890,
        text: 'hi',
        reply_markup: { inline_keyboard: [[{ text: 'Refresh', callback_data: 'st:r' }]] },
        link_preview_options: { is_disabled: true },
      }),
    ).toEqual([]);
    expect(problems('setMyCommands', { commands: [{ command: 'status', description: 'Live panel' }], scope: { type: 'chat', chat_id: 42 } })).toEqual([]);
  });

  it('does decode form values: numbers, booleans and JSON-serialized objects', () => {
    expect(problems('sendMessage', { chat_id: '42', text: 'hi', disable_notification: 'true', reply_markup: '{"inline_keyboard":[]}' })).toEqual([]);
    expect(problems('sendMessage', { chat_id: '42', text: 'hi', reply_markup: '{"inline_keyboard":' })).toEqual([
      'params.reply_markup: expected InlineKeyboardMarkup or ReplyKeyboardMarkup or ReplyKeyboardRemove or ForceReply, got the string "{\\"inline_keyboard\\":"',
    ]);
  });

  it('does name missing required parameters, unknown ones and wrong types', () => {
    expect(problems('sendMessage', { chat_id: 42 })).toEqual(['params: missing required parameter text']);
    expect(problems('sendMessage', { chat_id: 42, text: 'x', colour: 'red' })).toEqual(['params: unknown parameter colour']);
    expect(problems('sendMessage', { chat_id: true, text: 'x' })).toEqual(['params.chat_id: expected Integer or String, got true']);
    expect(problems('sendMessage', { chat_id: 1, text: 'x', entities: [{ type: 'bold', offset: 0 }] })).toEqual(['params.entities[0]: missing required field length']);
    // JSON null is an absent parameter to Telegram.
    expect(problems('sendMessage', { chat_id: 1, text: null })).toEqual(['params: missing required parameter text']);
  });

  it('does count a multipart file as an InputFile, under its own name or through attach://', () => {
    expect(problems('sendDocument', { chat_id: '1', document: 'attach://a1b2' }, ['a1b2'])).toEqual([]);
    expect(problems('sendDocument', { chat_id: '1' }, ['document'])).toEqual([]);
    expect(problems('sendDocument', { chat_id: '1', document: 'attach://gone' })).toEqual(['params: attach://gone names no uploaded file']);
    expect(problems('sendDocument', { chat_id: '1', document: 'BQACfileid' }, ['stray'])).toEqual(['params: unknown parameter stray (an uploaded file no attach:// names)']);
    expect(problems('sendMessage', { chat_id: '1' }, ['text'])).toEqual(['params.text: is an uploaded file, expected String']);
  });
});
