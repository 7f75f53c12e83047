// Checks a record against the Detection Finding definition vendored in test/fixtures/ocsf/: the
// class, every required attribute, no attribute the class lacks, enum values, type_uid, timestamps.
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

interface ClassFixture {
  class: { uid: number; category_uid: number };
  required: string[];
  attributes: string[];
  enums: Record<string, Record<string, string>>;
  objects: Record<string, { required: string[] }>;
}

export const DETECTION_FINDING_FIXTURE = JSON.parse(
  readFileSync(
    fileURLToPath(new URL('../fixtures/ocsf/detection-finding-1.3.0.json', import.meta.url)),
    'utf8',
  ),
) as ClassFixture;

function at(record: unknown, path: string): unknown[] {
  let values: unknown[] = [record];
  for (const part of path.split('.')) {
    const key = part.replace(/\[\]$/, '');
    values = values.flatMap((value) => {
      const next = (value as Record<string, unknown> | undefined)?.[key];
      if (next === undefined) return [];
      return part.endsWith('[]') || Array.isArray(next) ? (next as unknown[]) : [next];
    });
  }
  return values;
}

/** Every way the record departs from the vendored class definition; empty when it conforms. */
export function detectionFindingProblems(record: Record<string, unknown>): string[] {
  const fixture = DETECTION_FINDING_FIXTURE;
  const problems: string[] = [];
  for (const name of fixture.required) if (record[name] === undefined) problems.push(`missing ${name}`);
  for (const name of Object.keys(record))
    if (!fixture.attributes.includes(name)) problems.push(`${name} is not a Detection Finding attribute`);
  if (record.class_uid !== fixture.class.uid) problems.push(`class_uid ${String(record.class_uid)}`);
  if (record.category_uid !== fixture.class.category_uid)
    problems.push(`category_uid ${String(record.category_uid)}`);
  if (record.type_uid !== fixture.class.uid * 100 + Number(record.activity_id))
    problems.push(`type_uid ${String(record.type_uid)} is not class_uid * 100 + activity_id`);
  for (const [path, values] of Object.entries(fixture.enums))
    for (const value of at(record, path))
      if (!(String(value) in values)) problems.push(`${path} ${String(value)} is not in the enum`);
  for (const [path, { required }] of Object.entries(fixture.objects))
    for (const object of at(record, path))
      for (const name of required)
        if ((object as Record<string, unknown>)[name] === undefined) problems.push(`missing ${path}.${name}`);
  for (const path of ['time', 'finding_info.created_time'])
    for (const value of at(record, path))
      if (!Number.isSafeInteger(value)) problems.push(`${path} is not epoch milliseconds`);
  return problems;
}
