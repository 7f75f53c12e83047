// Writes test/fixtures/ocsf/detection-finding-1.3.0.json: the OCSF 1.3.0 Detection Finding class
// (2004) and every object, type and enum it reaches, taken from a published copy of the schema —
// the compiled 1.3.0 schema (schema.ocsf.io's export format) that PyPI's `ocsf-json-schema` 1.2.0
// ships as ocsf_json_schema/ocsf/1.3.0.json — with descriptions dropped. Tests check mcptap's
// findings against it (test/support/ocsf-schema.ts).
//
//   node --import tsx scripts/ocsf-schema-fixture.ts      (needs pip and python3)
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const PACKAGE = 'ocsf-json-schema';
const VERSION = '1.2.0';
/** The wheel's SHA-256 as PyPI serves it; a different download is refused. */
const WHEEL_SHA256 = '64d819042d20c3c04bc0d024c7c47c41006ebbe0209ce768ba6efa1240106708';
const SCHEMA_FILE = 'ocsf_json_schema/ocsf/1.3.0.json';
const CLASS = 'detection_finding';
const OUT = fileURLToPath(new URL('../test/fixtures/ocsf/detection-finding-1.3.0.json', import.meta.url));

interface Attribute {
  type: string;
  object_type?: string;
  is_array?: boolean;
  requirement?: string;
  profile?: string | null;
  enum?: Record<string, { caption: string }>;
  [key: string]: unknown;
}
interface Definition {
  attributes: Record<string, Attribute>;
  constraints?: Record<string, string[]>;
  [key: string]: unknown;
}
interface ExportedSchema {
  version: string;
  classes: Record<string, Definition>;
  objects: Record<string, Definition>;
  types: Record<string, Record<string, unknown>>;
}

const sha256 = (bytes: Buffer) => createHash('sha256').update(bytes).digest('hex');

/** An attribute as the checks need it: type, object, array, requirement, profile, enum captions. */
function trimAttribute(attribute: Attribute) {
  return {
    type: attribute.type,
    ...(attribute.object_type === undefined ? {} : { object_type: attribute.object_type }),
    ...(attribute.is_array ? { is_array: true } : {}),
    requirement: attribute.requirement ?? 'optional',
    ...(attribute.profile ? { profile: attribute.profile } : {}),
    ...(attribute.enum === undefined
      ? {}
      : {
          enum: Object.fromEntries(
            Object.entries(attribute.enum).map(([value, item]) => [value, item.caption]),
          ),
        }),
  };
}

function trimDefinition(definition: Definition) {
  return {
    ...(definition.constraints === undefined ? {} : { constraints: definition.constraints }),
    attributes: Object.fromEntries(
      Object.entries(definition.attributes).map(([name, attribute]) => [name, trimAttribute(attribute)]),
    ),
  };
}

const work = mkdtempSync(join(tmpdir(), 'mcptap-ocsf-'));
try {
  execFileSync('pip', ['download', '--no-deps', '--quiet', '--dest', work, `${PACKAGE}==${VERSION}`], {
    stdio: 'inherit',
  });
  const wheel = readdirSync(work).find((file) => file.endsWith('.whl'));
  if (wheel === undefined) throw new Error(`pip downloaded no wheel of ${PACKAGE} ${VERSION}`);
  const wheelBytes = readFileSync(join(work, wheel));
  if (sha256(wheelBytes) !== WHEEL_SHA256)
    throw new Error(`${wheel}: SHA-256 ${sha256(wheelBytes)}, expected ${WHEEL_SHA256}`);
  execFileSync('python3', ['-m', 'zipfile', '-e', join(work, wheel), join(work, 'wheel')]);
  const schemaBytes = readFileSync(join(work, 'wheel', SCHEMA_FILE));
  const schema = JSON.parse(schemaBytes.toString('utf8')) as ExportedSchema;
  if (schema.version !== '1.3.0') throw new Error(`${SCHEMA_FILE} is OCSF ${schema.version}, not 1.3.0`);

  const detectionFinding = schema.classes[CLASS];
  if (detectionFinding === undefined) throw new Error(`${SCHEMA_FILE} has no class ${CLASS}`);
  // Every object the class reaches, through object attributes at any depth.
  const objects = new Map<string, Definition>();
  const pending = [detectionFinding];
  while (pending.length > 0) {
    for (const attribute of Object.values(pending.pop()!.attributes)) {
      const name = attribute.object_type;
      if (name === undefined || objects.has(name)) continue;
      const object = schema.objects[name];
      if (object === undefined)
        throw new Error(`${SCHEMA_FILE}: object ${name} is referenced but not defined`);
      objects.set(name, object);
      pending.push(object);
    }
  }
  const fixture = {
    provenance: {
      schema: 'OCSF (Open Cybersecurity Schema Framework) 1.3.0',
      package: `PyPI ${PACKAGE} ${VERSION} (${wheel}, sha256 ${WHEEL_SHA256})`,
      file: `${SCHEMA_FILE} (sha256 ${sha256(schemaBytes)}), the compiled schema in schema.ocsf.io's export format`,
      generated_by:
        'scripts/ocsf-schema-fixture.ts (descriptions dropped; the class and every object it reaches)',
    },
    version: schema.version,
    class: {
      name: CLASS,
      uid: detectionFinding.uid,
      category_uid: detectionFinding.category_uid,
      ...trimDefinition(detectionFinding),
    },
    objects: Object.fromEntries(
      [...objects.entries()]
        .sort(([a], [b]) => a.localeCompare(b))
        .map(([name, o]) => [name, trimDefinition(o)]),
    ),
    types: Object.fromEntries(
      Object.entries(schema.types).map(([name, type]) => [
        name,
        {
          ...(typeof type.type === 'string' ? { type: type.type } : {}),
          ...(type.values === undefined ? {} : { values: type.values }),
        },
      ]),
    ),
  };
  writeFileSync(OUT, `${JSON.stringify(fixture, null, 2)}\n`);
  execFileSync('npx', ['prettier', '--write', OUT], { stdio: 'ignore' });
  console.log(`${OUT}: class ${CLASS}, ${objects.size} objects, from ${wheel}`);
} finally {
  rmSync(work, { recursive: true, force: true });
}
