import type { BotApiSpec } from '../../../../src/sandbox/bot-api/index.js';
import { parseTypeExpression, type TypeExpression } from '../../../../src/sandbox/bot-api/conformance/value-check.js';

/**
 * The smallest value of a type that satisfies the specification: required fields only, unions as
 * their first member. Undefined when the type's required fields run in a circle.
 */
export function minimalValue(spec: BotApiSpec, typeName: string, seen: ReadonlySet<string> = new Set()): unknown {
  return minimalOf(spec, parseTypeExpression(typeName), seen);
}

function minimalOf(spec: BotApiSpec, type: TypeExpression, seen: ReadonlySet<string>): unknown {
  switch (type.kind) {
    case 'array':
      return [];
    case 'scalar':
      return { Integer: 7, Float: 1.5, String: 'x', Boolean: false, True: true, InputFile: undefined }[type.name];
    case 'named': {
      if (seen.has(type.name)) return undefined;
      const spec_ = spec.type(type.name);
      if (spec_ === undefined) return undefined;
      const inner = new Set([...seen, type.name]);
      if (spec_.subtypes.length > 0) return minimalOf(spec, parseTypeExpression(spec_.subtypes[0] ?? ''), inner);
      const value: Record<string, unknown> = {};
      for (const field of spec_.fields.values()) {
        if (!field.required) continue;
        const item = minimalOf(spec, parseTypeExpression(field.types[0] ?? ''), inner);
        if (item === undefined) return undefined;
        value[field.name] = item;
      }
      return value;
    }
  }
}
