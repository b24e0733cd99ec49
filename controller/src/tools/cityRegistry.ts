/**
 * `node controller/dist/tools/cityRegistry.js [--compounds 2000] [--groups 20] [--kiosks 2] [--out FILE]`:
 * writes a generated city registry (see registry/city.ts) to FILE, or stdout. The controller issues the
 * devices' credentials at its first start with it (`registryFile` in the config).
 */
import { writeFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { cityRegistry } from '../registry/city.js';

const { values } = parseArgs({
  options: { compounds: { type: 'string' }, groups: { type: 'string' }, kiosks: { type: 'string' }, out: { type: 'string' } },
  strict: true,
});
const num = (v: string | undefined) => (v === undefined ? undefined : Number(v));
const doc = JSON.stringify(cityRegistry({ compounds: num(values.compounds), groupsPerCompound: num(values.groups), kiosksPerCompound: num(values.kiosks) }));
if (values.out) writeFileSync(values.out, doc + '\n');
else process.stdout.write(doc + '\n');
