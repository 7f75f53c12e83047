import type { z } from 'zod';

/**
 * A schema compiled once into plain comparisons, for the valid values that are nearly all of them:
 * zod walks its schema objects on every parse (a fifth of a consumer's CPU per event, a third of
 * the collector's span decoding). A compiled check may be stricter than the schema, never looser: a
 * value it refuses (also an object with a key the schema does not name, which the schema would
 * strip) goes to the schema, which decides and words the error. A construct it does not know is left
 * to the schema. (A zod check's `when` only ever skips it: applying every check is never looser.)
 */
export type Check = (value: unknown) => boolean;

interface CheckDef {
  check: string;
  format?: string;
  pattern?: RegExp;
  minimum?: number;
  maximum?: number;
  value?: number;
  inclusive?: boolean;
}

interface SchemaDef {
  type: string;
  checks?: readonly { _zod: { def: CheckDef } }[];
  entries?: Readonly<Record<string, unknown>>;
  values?: readonly unknown[];
  shape?: Readonly<Record<string, z.ZodType>>;
  catchall?: unknown;
  element?: z.ZodType;
}

/** Valid for the schema, which returns it unchanged (objects and arrays it copies never pass). */
function bySchema(schema: z.ZodType): Check {
  return (value) => {
    const result = schema.safeParse(value);
    return result.success && result.data === value;
  };
}

function stringCheck(schema: z.ZodType, checks: readonly CheckDef[]): Check {
  let min = 0;
  let max = Infinity;
  let pattern: RegExp | undefined;
  for (const check of checks) {
    if (check.check === 'min_length') min = check.minimum!;
    else if (check.check === 'max_length') max = check.maximum!;
    else if (
      check.check === 'string_format' &&
      check.format === 'regex' &&
      pattern === undefined &&
      !check.pattern!.global &&
      !check.pattern!.sticky
    )
      pattern = check.pattern;
    else return bySchema(schema);
  }
  return (value) =>
    typeof value === 'string' &&
    value.length >= min &&
    value.length <= max &&
    (pattern === undefined || pattern.test(value));
}

function numberCheck(schema: z.ZodType, checks: readonly CheckDef[]): Check {
  let integer = false;
  let min = -Infinity;
  let max = Infinity;
  for (const check of checks) {
    if (check.check === 'number_format' && check.format === 'safeint') integer = true;
    // Exclusive bounds are rare enough to be left to the schema.
    else if (check.check === 'greater_than' && check.inclusive) min = check.value!;
    else if (check.check === 'less_than' && check.inclusive) max = check.value!;
    else return bySchema(schema);
  }
  return (value) =>
    typeof value === 'number' &&
    (integer ? Number.isSafeInteger(value) : Number.isFinite(value)) &&
    value >= min &&
    value <= max;
}

function objectCheck(schema: z.ZodType, def: SchemaDef): Check {
  const fields = Object.entries(def.shape ?? {}).map(([key, field]) => [key, compileCheck(field)] as const);
  // Counting keys finds a stray one only if every field refuses `undefined` (a missing key).
  if (def.catchall !== undefined || fields.some(([, check]) => check(undefined))) return bySchema(schema);
  return (value) => {
    if (typeof value !== 'object' || value === null || Array.isArray(value)) return false;
    let keys = 0;
    for (const _key in value) keys++;
    if (keys !== fields.length) return false;
    for (const [key, check] of fields) if (!check((value as Record<string, unknown>)[key])) return false;
    return true;
  };
}

export function compileCheck(schema: z.ZodType): Check {
  const def = schema._zod.def as unknown as SchemaDef;
  const checks = (def.checks ?? []).map((check) => check._zod.def);
  switch (def.type) {
    case 'string':
      return stringCheck(schema, checks);
    case 'number':
      return numberCheck(schema, checks);
    case 'boolean':
      return checks.length === 0 ? (value) => typeof value === 'boolean' : bySchema(schema);
    case 'enum': {
      const values = new Set(Object.values(def.entries ?? {}));
      return checks.length === 0 ? (value) => values.has(value) : bySchema(schema);
    }
    case 'literal': {
      const values = new Set(def.values);
      return checks.length === 0 ? (value) => values.has(value) : bySchema(schema);
    }
    case 'object':
      return checks.length === 0 ? objectCheck(schema, def) : bySchema(schema);
    case 'array': {
      if (checks.length > 0 || def.element === undefined) return bySchema(schema);
      const element = compileCheck(def.element);
      return (value) => {
        if (!Array.isArray(value)) return false;
        for (let i = 0; i < value.length; i++) if (!element(value[i])) return false;
        return true;
      };
    }
    default:
      return bySchema(schema);
  }
}
