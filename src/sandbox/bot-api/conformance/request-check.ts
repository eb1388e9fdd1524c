import type { RequestParams } from '../request-body.js';
import type { BotApiSpec, SpecMethod } from './bot-api-spec.js';
import { checkValue, type Problem } from './value-check.js';

const ATTACH = /attach:\/\/([^\s"\\]+)/g;

/**
 * Checks the parameters of one call against the method's declaration: required parameters present,
 * none unknown, each of a declared type. Text values are decoded first, as Telegram decodes them
 * (numbers and booleans from forms, JSON-serialized objects such as `reply_markup`). A multipart
 * file part counts as an InputFile, sent under the parameter's name or named by `attach://<part>`
 * (see https://core.telegram.org/bots/api#sending-files).
 */
export function checkRequest(spec: BotApiSpec, method: SpecMethod, request: RequestParams): Problem[] {
  const problems: Problem[] = [];
  const fileParts = new Set(request.files.keys());
  const attached = new Set<string>();
  for (const value of request.values.values()) collectAttachments(value, attached);
  const context = { spec, fileParts };

  const given = new Set<string>();
  for (const [name, value] of request.values) {
    // A JSON null is an absent parameter to Telegram.
    if (value === null || value === undefined) continue;
    given.add(name);
    const param = method.params.get(name);
    if (param === undefined) {
      problems.push({ path: 'params', problem: `unknown parameter ${name}` });
      continue;
    }
    problems.push(...checkValue(context, param.types, value, `params.${name}`, 'text'));
  }
  for (const part of fileParts) {
    if (attached.has(part)) continue;
    const param = method.params.get(part);
    if (param === undefined) problems.push({ path: 'params', problem: `unknown parameter ${part} (an uploaded file no attach:// names)` });
    else if (!param.types.includes('InputFile')) problems.push({ path: `params.${part}`, problem: `is an uploaded file, expected ${param.types.join(' or ')}` });
    given.add(part);
  }
  for (const name of attached) {
    if (!fileParts.has(name)) problems.push({ path: 'params', problem: `attach://${name} names no uploaded file` });
  }
  for (const param of method.params.values()) {
    if (param.required && !given.has(param.name)) problems.push({ path: 'params', problem: `missing required parameter ${param.name}` });
  }
  return problems;
}

function collectAttachments(value: unknown, into: Set<string>): void {
  if (typeof value === 'string') {
    for (const match of value.matchAll(ATTACH)) if (match[1] !== undefined) into.add(match[1]);
  } else if (Array.isArray(value)) {
    for (const item of value) collectAttachments(item, into);
  } else if (typeof value === 'object' && value !== null) {
    for (const item of Object.values(value)) collectAttachments(item, into);
  }
}
