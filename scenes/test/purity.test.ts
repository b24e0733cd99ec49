/** The library runs in the browser and on the bridge alike: no Node APIs, clocks or Math.random in src/ (tools aside). */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const SRC = fileURLToPath(new URL('../src', import.meta.url));

function files(dir: string): string[] {
  return readdirSync(dir).flatMap((n) => {
    const p = join(dir, n);
    if (statSync(p).isDirectory()) return n === 'tools' ? [] : files(p);
    return p.endsWith('.ts') ? [p] : [];
  });
}

describe('purity of the library', () => {
  const FORBIDDEN = [/\bMath\.random\b/, /\bDate\.now\b/, /\bnew Date\b/, /\bperformance\./, /\bBuffer\b/, /\bprocess\./, /from 'node:/, /\bconsole\./, /\bsetTimeout\b|\bsetInterval\b/];
  it.each(files(SRC).map((f) => [f.slice(SRC.length + 1), f]))('%s uses no clock, randomness or Node API', (_name, file) => {
    const text = readFileSync(file, 'utf8').replace(/\/\*[\s\S]*?\*\//g, '').replace(/\/\/.*$/gm, '');
    for (const re of FORBIDDEN) expect(text, String(re)).not.toMatch(re);
  });
});
