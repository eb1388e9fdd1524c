import { describe, expect, it } from 'vitest';
import { loadBotApiSpec } from '../../../../src/sandbox/bot-api/index.js';
import { checkResponse } from '../../../../src/sandbox/bot-api/conformance/response-check.js';

const spec = loadBotApiSpec();
const problems = (method: string | undefined, status: number, body: unknown) =>
  checkResponse(spec, method === undefined ? undefined : spec.method(method), status, body).map((p) => `${p.path}: ${p.problem}`);

describe('checkResponse', () => {
  it('does check results against the return type, unions of returns included', () => {
    expect(problems('deleteMessage', 200, { ok: true, result: true })).toEqual([]);
    expect(problems('editMessageText', 200, { ok: true, result: true })).toEqual([]);
    expect(problems('getChatMemberCount', 200, { ok: true, result: 2.5 })).toEqual(['result: expected Integer, got the number 2.5']);
    expect(problems('getMe', 200, { ok: true, result: { id: 1, is_bot: true } })).toEqual(['result: missing required field first_name']);
    expect(problems('getMe', 200, { ok: true })).toEqual(['response: missing required field result']);
  });

  it('does check the error envelope and its ResponseParameters', () => {
    expect(problems('sendMessage', 429, { ok: false, error_code: 429, description: 'Too Many Requests: retry after 3', parameters: { retry_after: 3 } })).toEqual([]);
    expect(problems('sendMessage', 400, { ok: false, error_code: 400, description: 'x', parameters: { retry_after: 0.5 } })).toEqual([
      'response.parameters.retry_after: expected Integer, got the number 0.5',
    ]);
    expect(problems('sendMessage', 400, { ok: false, error_code: 403, description: 'x' })).toEqual(['response.error_code: is the number 403 but the HTTP status is 400']);
    expect(problems('sendMessage', 400, { ok: false, description: 'x', hint: 'y' })).toEqual(['response: unknown field hint', 'response: missing required field error_code']);
    expect(problems(undefined, 404, { ok: false, error_code: 404, description: 'Not Found' })).toEqual([]);
    expect(problems('getMe', 200, [])).toEqual(['response: is an array, expected an object with "ok"']);
  });
});
