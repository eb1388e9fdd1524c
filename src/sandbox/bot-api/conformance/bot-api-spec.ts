import { readFileSync } from 'node:fs';
import { z } from 'zod';

/** The Bot API version the sandbox is checked against (see `../spec/README.md`). */
export const BOT_API_SPEC_FILE = new URL('../spec/bot-api-10.1.json', import.meta.url);

/** A parameter of a method or a field of a type. */
export interface SpecField {
  readonly name: string;
  readonly required: boolean;
  /** Alternatives, as the docs write them: `Integer`, `String`, `Array of MessageEntity`, `InputFile`… */
  readonly types: readonly string[];
}

/** An object type, or a union of `subtypes` (then `fields` is empty). */
export interface SpecType {
  readonly name: string;
  readonly fields: ReadonlyMap<string, SpecField>;
  /** The union's members, as type expressions: mostly type names, but RichText is also `String` and `Array of RichText`. */
  readonly subtypes: readonly string[];
}

export interface SpecMethod {
  /** As the docs spell it (`getChat`); Telegram matches method names in any case. */
  readonly name: string;
  readonly params: ReadonlyMap<string, SpecField>;
  readonly returns: readonly string[];
}

/** Telegram's Bot API, indexed for the conformance checker. */
export interface BotApiSpec {
  /** `Bot API 10.1` */
  readonly version: string;
  /** The method of that name in any case, or undefined when the Bot API has none. */
  method(name: string): SpecMethod | undefined;
  type(name: string): SpecType | undefined;
  /** Every type name, for tests that walk the whole specification. */
  typeNames(): readonly string[];
}

export class BotApiSpecError extends Error {
  override readonly name = 'BotApiSpecError';
}

const fieldSchema = z.object({ name: z.string().min(1), required: z.boolean(), types: z.array(z.string().min(1)).min(1) });
const specSchema = z.object({
  version: z.string(),
  methods: z.record(z.string(), z.object({ fields: z.array(fieldSchema), returns: z.array(z.string().min(1)).min(1) })),
  types: z.record(
    z.string(),
    z.object({ fields: z.array(fieldSchema), subtypes: z.array(z.string()).optional(), subtype_of: z.array(z.string()).optional() }),
  ),
});

const byName = (fields: readonly SpecField[]): ReadonlyMap<string, SpecField> => new Map(fields.map((f) => [f.name, f]));

/** Builds the index from the specification's JSON document; throws `BotApiSpecError` when it is not one. */
export function parseBotApiSpec(document: unknown): BotApiSpec {
  const parsed = specSchema.safeParse(document);
  if (!parsed.success) throw new BotApiSpecError(`not a Bot API specification: ${parsed.error.issues[0]?.message ?? 'unknown shape'}`);
  const { version, methods, types } = parsed.data;
  const methodIndex = new Map<string, SpecMethod>();
  for (const [name, method] of Object.entries(methods)) {
    methodIndex.set(name.toLowerCase(), { name, params: byName(method.fields), returns: method.returns });
  }
  const typeIndex = new Map<string, SpecType>();
  for (const [name, type] of Object.entries(types)) {
    typeIndex.set(name, { name, fields: byName(type.fields), subtypes: type.subtypes ?? [] });
  }
  return {
    version,
    method: (name) => methodIndex.get(name.toLowerCase()),
    type: (name) => typeIndex.get(name),
    typeNames: () => [...typeIndex.keys()],
  };
}

let loaded: BotApiSpec | undefined;

/** The specification shipped with the sandbox, read once. */
export function loadBotApiSpec(): BotApiSpec {
  loaded ??= parseBotApiSpec(JSON.parse(readFileSync(BOT_API_SPEC_FILE, 'utf8')) as unknown);
  return loaded;
}
