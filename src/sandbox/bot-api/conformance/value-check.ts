import type { BotApiSpec, SpecType } from './bot-api-spec.js';

/** One way a value differs from its declared type, at a path like `result.chat` or `params.reply_markup`. */
export interface Problem {
  readonly path: string;
  readonly problem: string;
}

/** A type as the docs write it, parsed: `Array of Array of InlineKeyboardButton`, `Integer`, `Message`. */
export type TypeExpression =
  | { readonly kind: 'array'; readonly of: TypeExpression }
  | { readonly kind: 'scalar'; readonly name: Scalar }
  | { readonly kind: 'named'; readonly name: string };

type Scalar = 'Integer' | 'Float' | 'String' | 'Boolean' | 'True' | 'InputFile';
const SCALARS: ReadonlySet<string> = new Set<Scalar>(['Integer', 'Float', 'String', 'Boolean', 'True', 'InputFile']);
const ARRAY_OF = 'Array of ';

export function parseTypeExpression(text: string): TypeExpression {
  if (text.startsWith(ARRAY_OF)) return { kind: 'array', of: parseTypeExpression(text.slice(ARRAY_OF.length)) };
  if (SCALARS.has(text)) return { kind: 'scalar', name: text as Scalar };
  return { kind: 'named', name: text };
}

export function describeType(type: TypeExpression): string {
  return type.kind === 'array' ? `${ARRAY_OF}${describeType(type.of)}` : type.name;
}

export interface ValueCheckContext {
  readonly spec: BotApiSpec;
  /**
   * Names of the multipart file parts of the request, which `attach://<name>` strings may point to
   * (empty for responses).
   */
  readonly fileParts: ReadonlySet<string>;
}

/**
 * How the value arrived. `text`: a top-level request parameter, which Telegram also takes as text
 * (query strings, forms and multipart bodies carry nothing else, and JSON-serialized parameters such
 * as `reply_markup` come as JSON text), so it is decoded by the declared type first. `json`: anything
 * else, which must have its JSON type.
 */
export type Encoding = 'text' | 'json';

interface Outcome {
  /** The value is not even of the right kind (a string where an object belongs): not a candidate. */
  readonly mismatch: boolean;
  readonly problems: readonly Problem[];
}

const OK: Outcome = { mismatch: false, problems: [] };

/** Checks a value against the alternatives a field declares, e.g. `["Integer", "String"]`. */
export function checkValue(context: ValueCheckContext, types: readonly string[], value: unknown, path: string, encoding: Encoding = 'json'): Problem[] {
  return [...checkOneOf(context, types.map(parseTypeExpression), value, path, encoding, false).problems];
}

function checkOneOf(
  context: ValueCheckContext,
  alternatives: readonly TypeExpression[],
  value: unknown,
  path: string,
  encoding: Encoding,
  isSubtypeUnion: boolean,
): Outcome {
  const outcomes = alternatives.map((type) => ({ type, outcome: checkType(context, type, value, path, encoding) }));
  if (outcomes.some(({ outcome }) => !outcome.mismatch && outcome.problems.length === 0)) return OK;
  // Fields a member does not have rule it out more surely than fields left out: an administrator
  // missing a right is still closer to ChatMemberAdministrator than to ChatMemberOwner.
  const unknownFields = (o: Outcome) => o.problems.filter((p) => p.path === path && p.problem.startsWith('unknown field')).length;
  const candidates = outcomes
    .filter(({ outcome }) => !outcome.mismatch)
    .sort((a, b) => unknownFields(a.outcome) - unknownFields(b.outcome) || a.outcome.problems.length - b.outcome.problems.length);
  const best = candidates[0];
  if (best === undefined) {
    return { mismatch: true, problems: [{ path, problem: `expected ${alternatives.map(describeType).join(' or ')}, got ${describeValue(value)}` }] };
  }
  // Naming the closest member of a union says which shape the checker held the value to.
  const problems = isSubtypeUnion && candidates.length > 1 ? best.outcome.problems.map((p) => annotate(p, describeType(best.type))) : best.outcome.problems;
  return { mismatch: false, problems };
}

function annotate(problem: Problem, typeName: string): Problem {
  return problem.problem.includes('(as ') ? problem : { ...problem, problem: `${problem.problem} (as ${typeName})` };
}

function checkType(context: ValueCheckContext, type: TypeExpression, raw: unknown, path: string, encoding: Encoding): Outcome {
  switch (type.kind) {
    case 'scalar':
      return checkScalar(context, type.name, raw, encoding);
    case 'array': {
      const value = encoding === 'text' ? decodeJson(raw) : raw;
      if (!Array.isArray(value)) return mismatch();
      const problems = value.flatMap((item: unknown, i) => checkElement(context, type.of, item, `${path}[${i}]`));
      return { mismatch: false, problems };
    }
    case 'named': {
      const spec = context.spec.type(type.name);
      if (spec === undefined) return { mismatch: false, problems: [{ path, problem: `declared type ${type.name} is not in the specification` }] };
      const value = encoding === 'text' ? decodeJson(raw) : raw;
      // A union's members are type expressions too: RichText is a String, an Array of RichText or an object.
      if (spec.subtypes.length > 0) return checkOneOf(context, spec.subtypes.map(parseTypeExpression), value, path, 'json', true);
      return checkObject(context, spec, value, path);
    }
  }
}

function checkElement(context: ValueCheckContext, type: TypeExpression, item: unknown, path: string): Problem[] {
  const outcome = checkType(context, type, item, path, 'json');
  return outcome.mismatch ? [{ path, problem: `expected ${describeType(type)}, got ${describeValue(item)}` }] : [...outcome.problems];
}

function checkObject(context: ValueCheckContext, type: SpecType, value: unknown, path: string): Outcome {
  if (!isPlainObject(value)) return mismatch();
  const problems: Problem[] = [];
  for (const field of type.fields.values()) {
    if (field.required && !(field.name in value)) problems.push({ path, problem: `missing required field ${field.name}` });
  }
  for (const [key, item] of Object.entries(value)) {
    const field = type.fields.get(key);
    const at = path === '' ? key : `${path}.${key}`;
    if (field === undefined) problems.push({ path, problem: `unknown field ${key}` });
    else if (item === null) problems.push({ path: at, problem: 'is null: Telegram leaves out a field that has no value' });
    else problems.push(...checkOneOf(context, field.types.map(parseTypeExpression), item, at, 'json', false).problems);
  }
  return { mismatch: false, problems };
}

function checkScalar(context: ValueCheckContext, name: Scalar, value: unknown, encoding: Encoding): Outcome {
  const text = encoding === 'text' && typeof value === 'string' ? value.trim() : undefined;
  switch (name) {
    case 'String':
      return typeof value === 'string' ? OK : mismatch();
    case 'Integer':
      if (typeof value === 'number') return Number.isSafeInteger(value) ? OK : mismatch();
      return text !== undefined && /^-?\d+$/.test(text) && Number.isSafeInteger(Number(text)) ? OK : mismatch();
    case 'Float':
      if (typeof value === 'number') return Number.isFinite(value) ? OK : mismatch();
      return text !== undefined && text !== '' && Number.isFinite(Number(text)) ? OK : mismatch();
    case 'Boolean':
      if (typeof value === 'boolean') return OK;
      // Telegram reads true, yes and 1 (any case) as True and anything else as False; only the usual spellings pass here.
      return text !== undefined && /^(true|false|1|0)$/i.test(text) ? OK : mismatch();
    case 'True':
      return value === true || (text !== undefined && /^(true|1)$/i.test(text)) ? OK : mismatch();
    case 'InputFile': {
      // An upload named by `attach://<part>`; a part sent under the parameter's own name is checked by the caller.
      const part = typeof value === 'string' && value.startsWith('attach://') ? value.slice('attach://'.length) : undefined;
      return part !== undefined && context.fileParts.has(part) ? OK : mismatch();
    }
  }
}

function decodeJson(value: unknown): unknown {
  if (typeof value !== 'string') return value;
  try {
    return JSON.parse(value) as unknown;
  } catch {
    return value;
  }
}

function mismatch(): Outcome {
  return { mismatch: true, problems: [] };
}

export function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** A short description of a value for a problem text: `the string "abc"`, `an object`, `null`. */
export function describeValue(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  switch (typeof value) {
    case 'string':
      return `the string ${JSON.stringify(value.length > 40 ? `${value.slice(0, 40)}…` : value)}`;
    case 'number':
      return `the number ${value}`;
    case 'boolean':
      return String(value);
    case 'object':
      return 'an object';
    default:
      return typeof value;
  }
}
