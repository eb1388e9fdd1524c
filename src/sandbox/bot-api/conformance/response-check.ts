import type { BotApiSpec, SpecMethod } from './bot-api-spec.js';
import { checkValue, describeValue, isPlainObject, type Problem } from './value-check.js';

const SUCCESS_KEYS: ReadonlySet<string> = new Set(['ok', 'result', 'description']);
const ERROR_KEYS: ReadonlySet<string> = new Set(['ok', 'error_code', 'description', 'parameters']);

/**
 * Checks one answer: `{ ok: true, result }` with a result of the method's return type (recursively:
 * required fields present, no unknown fields, declared types), or the error envelope
 * `{ ok: false, error_code, description, parameters? }` with `parameters` a ResponseParameters and the
 * HTTP status equal to `error_code` (https://core.telegram.org/bots/api#making-requests).
 * `method` is undefined for a method the Bot API does not have: then only the envelope is checked.
 */
export function checkResponse(spec: BotApiSpec, method: SpecMethod | undefined, status: number, body: unknown): Problem[] {
  if (!isPlainObject(body)) return [{ path: 'response', problem: `is ${describeValue(body)}, expected an object with "ok"` }];
  const context = { spec, fileParts: new Set<string>() };
  const problems: Problem[] = [];
  const unknownKeys = (allowed: ReadonlySet<string>) => {
    for (const key of Object.keys(body)) if (!allowed.has(key)) problems.push({ path: 'response', problem: `unknown field ${key}` });
  };

  if (body.ok === true) {
    unknownKeys(SUCCESS_KEYS);
    if (status !== 200) problems.push({ path: 'response', problem: `HTTP status ${status} with ok: true` });
    if (body.description !== undefined) problems.push(...checkValue(context, ['String'], body.description, 'response.description'));
    if (!('result' in body)) problems.push({ path: 'response', problem: 'missing required field result' });
    else if (method !== undefined) problems.push(...checkValue(context, method.returns, body.result, 'result'));
    return problems;
  }
  if (body.ok !== false) return [{ path: 'response.ok', problem: `expected true or false, got ${describeValue(body.ok)}` }];

  unknownKeys(ERROR_KEYS);
  for (const key of ['error_code', 'description'] as const) {
    if (!(key in body)) problems.push({ path: 'response', problem: `missing required field ${key}` });
  }
  if ('error_code' in body) {
    problems.push(...checkValue(context, ['Integer'], body.error_code, 'response.error_code'));
    if (body.error_code !== status) problems.push({ path: 'response.error_code', problem: `is ${describeValue(body.error_code)} but the HTTP status is ${status}` });
  }
  if ('description' in body) problems.push(...checkValue(context, ['String'], body.description, 'response.description'));
  if ('parameters' in body) problems.push(...checkValue(context, ['ResponseParameters'], body.parameters, 'response.parameters'));
  return problems;
}
