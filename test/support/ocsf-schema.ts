// Checks a record against the OCSF 1.3.0 Detection Finding class as published (test/fixtures/ocsf/,
// generated from PyPI's ocsf-json-schema by scripts/ocsf-schema-fixture.ts): the class and category,
// type_uid, every required attribute (those of profiles only when the record's metadata.profiles
// names them), no attribute the class or an object lacks, each value's type, enum values, the
// objects' at_least_one / just_one constraints, recursively through every object.
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

interface Attribute {
  type: string;
  object_type?: string;
  is_array?: boolean;
  requirement: string;
  profile?: string;
  enum?: Record<string, string>;
}
interface Definition {
  attributes: Record<string, Attribute>;
  constraints?: { at_least_one?: string[]; just_one?: string[] };
}
interface SchemaFixture {
  version: string;
  class: Definition & { name: string; uid: number; category_uid: number };
  objects: Record<string, Definition>;
  types: Record<string, { type?: string; values?: unknown[] }>;
}

export const DETECTION_FINDING_SCHEMA = JSON.parse(
  readFileSync(
    fileURLToPath(new URL('../fixtures/ocsf/detection-finding-1.3.0.json', import.meta.url)),
    'utf8',
  ),
) as SchemaFixture;

const isObject = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

/** The primitive a type reduces to (`uuid_t` → `string_t`, `port_t` → `integer_t`). */
function baseType(schema: SchemaFixture, type: string): string {
  let current = type;
  for (let depth = 0; depth < 5; depth++) {
    const next = schema.types[current]?.type;
    if (next === undefined) return current;
    current = next;
  }
  return current;
}

function valueProblem(schema: SchemaFixture, attribute: Attribute, value: unknown): string | null {
  const type = baseType(schema, attribute.type);
  switch (type) {
    case 'string_t':
      return typeof value === 'string' ? null : 'is not a string';
    case 'integer_t':
    case 'long_t':
    case 'timestamp_t':
      return Number.isSafeInteger(value) ? null : `is not an integer (${attribute.type})`;
    case 'float_t':
      return typeof value === 'number' ? null : 'is not a number';
    case 'boolean_t':
      return typeof value === 'boolean' ? null : 'is not a boolean';
    case 'json_t':
      return null;
    case 'object_t':
      return isObject(value) ? null : 'is not an object';
    default:
      return `has type ${attribute.type}, which the fixture does not define`;
  }
}

function checkDefinition(
  schema: SchemaFixture,
  definition: Definition,
  record: Record<string, unknown>,
  path: string,
  profiles: readonly string[],
  problems: string[],
): void {
  const at = (name: string) => (path === '' ? name : `${path}.${name}`);
  for (const [name, attribute] of Object.entries(definition.attributes)) {
    const inForce = attribute.profile === undefined || profiles.includes(attribute.profile);
    if (inForce && attribute.requirement === 'required' && record[name] === undefined)
      problems.push(`missing ${at(name)}`);
  }
  for (const [name, value] of Object.entries(record)) {
    const attribute = definition.attributes[name];
    if (attribute === undefined) {
      problems.push(`${at(name)} is not an attribute of ${path === '' ? 'the class' : 'its object'}`);
      continue;
    }
    if (attribute.profile !== undefined && !profiles.includes(attribute.profile))
      problems.push(`${at(name)} belongs to profile ${attribute.profile}, not in metadata.profiles`);
    if (attribute.is_array && !Array.isArray(value)) {
      problems.push(`${at(name)} is not an array`);
      continue;
    }
    if (!attribute.is_array && Array.isArray(value)) {
      problems.push(`${at(name)} is an array`);
      continue;
    }
    const items = attribute.is_array ? (value as unknown[]) : [value];
    items.forEach((item, i) => {
      const where = attribute.is_array ? `${at(name)}[${i}]` : at(name);
      const problem = valueProblem(schema, attribute, item);
      if (problem !== null) {
        problems.push(`${where} ${problem}`);
        return;
      }
      if (attribute.enum !== undefined && !(String(item) in attribute.enum))
        problems.push(`${where} ${String(item)} is not in the enum`);
      const object = attribute.object_type === undefined ? undefined : schema.objects[attribute.object_type];
      // `object` (unmapped and the like) is any object; others are checked attribute by attribute.
      if (object !== undefined && attribute.object_type !== 'object' && isObject(item))
        checkDefinition(schema, object, item, where, profiles, problems);
    });
  }
  const present = (names: readonly string[]) => names.filter((name) => record[name] !== undefined);
  const { at_least_one: atLeastOne, just_one: justOne } = definition.constraints ?? {};
  if (atLeastOne !== undefined && present(atLeastOne).length === 0)
    problems.push(`${path || 'the class'} needs at least one of ${atLeastOne.join(', ')}`);
  if (justOne !== undefined && present(justOne).length !== 1)
    problems.push(`${path || 'the class'} needs exactly one of ${justOne.join(', ')}`);
}

/** Every way the record departs from the published class definition; empty when it conforms. */
export function detectionFindingProblems(record: Record<string, unknown>): string[] {
  const schema = DETECTION_FINDING_SCHEMA;
  const problems: string[] = [];
  const metadata = isObject(record.metadata) ? record.metadata : {};
  const profiles = Array.isArray(metadata.profiles) ? metadata.profiles.map(String) : [];
  if (metadata.version !== schema.version)
    problems.push(`metadata.version ${String(metadata.version)} is not ${schema.version}`);
  if (record.class_uid !== schema.class.uid) problems.push(`class_uid ${String(record.class_uid)}`);
  if (record.category_uid !== schema.class.category_uid)
    problems.push(`category_uid ${String(record.category_uid)}`);
  if (record.type_uid !== schema.class.uid * 100 + Number(record.activity_id))
    problems.push(`type_uid ${String(record.type_uid)} is not class_uid * 100 + activity_id`);
  checkDefinition(schema, schema.class, record, '', profiles, problems);
  return problems;
}
