import { readFileSync } from 'node:fs';
import { Compile } from 'typebox/compile';
import { Value } from 'typebox/value';
import { BridgeConfigSchema, FIXTURE_PINS, type BridgeConfig } from './schema.js';

const validator = Compile(BridgeConfigSchema);

export class BridgeConfigError extends Error {
  override readonly name = 'BridgeConfigError';
}

/** Applies defaults and validates; the error names every unknown key, bad value and pin conflict. */
export function resolveBridgeConfig(input: unknown): BridgeConfig {
  const withDefaults = Value.Default(BridgeConfigSchema, structuredClone(input ?? {}));
  if (!validator.Check(withDefaults)) {
    const problems: string[] = [];
    for (const e of validator.Errors(withDefaults)) {
      const path = e.instancePath || '/';
      if (e.keyword === 'additionalProperties') {
        for (const n of (e.params as { additionalProperties?: string[] }).additionalProperties ?? []) problems.push(`unknown key '${joinPath(path, n)}'`);
      } else if (e.keyword !== 'boolean' && e.keyword !== 'anyOf') {
        problems.push(`${path}: ${e.message}`);
      }
    }
    throw new BridgeConfigError(`bridge config is invalid: ${problems.join('; ') || 'invalid'}`);
  }
  const config = withDefaults as BridgeConfig;
  checkWiring(config);
  return config;
}

/** What the schema cannot say: boards exist, pin counts match the fixture, no pin is wired twice. */
function checkWiring(config: BridgeConfig): void {
  const problems: string[] = [];
  const boards = new Set<string>();
  for (const b of config.boards) {
    if (boards.has(b.id)) problems.push(`board '${b.id}' is listed twice`);
    boards.add(b.id);
  }
  const firstBoard = config.boards[0]!.id;
  const used = new Map<string, string>();
  const claim = (board: string | undefined, pin: number, who: string) => {
    const b = board ?? firstBoard;
    if (!boards.has(b)) return problems.push(`${who}: no board '${b}'`);
    const key = `${b}:${pin}`;
    const other = used.get(key);
    if (other) problems.push(`${who}: pin ${pin} of board '${b}' is already wired to ${other}`);
    else used.set(key, who);
    return 0;
  };
  const ids = new Set<string>();
  for (const g of config.groups) {
    if (ids.has(`g:${g.id}`)) problems.push(`group '${g.id}' is listed twice`);
    ids.add(`g:${g.id}`);
    g.fixtures.forEach((f, i) => {
      const who = `group '${g.id}' fixture ${i} (${f.kind})`;
      if (f.pins.length !== FIXTURE_PINS[f.kind]) problems.push(`${who}: needs ${FIXTURE_PINS[f.kind]} pin(s), got ${f.pins.length}`);
      for (const pin of f.pins) claim(f.board, pin, who);
    });
  }
  for (const k of config.kiosks) {
    if (ids.has(`k:${k.id}`)) problems.push(`kiosk '${k.id}' is listed twice`);
    ids.add(`k:${k.id}`);
    for (const b of k.buttons) claim(k.board, b.pin, `kiosk '${k.id}' button ${b.button}`);
    if (k.led) claim(k.board, k.led.pin, `kiosk '${k.id}' LED`);
  }
  if (problems.length > 0) throw new BridgeConfigError(`bridge config is invalid: ${problems.join('; ')}`);
}

function joinPath(path: string, key: string): string {
  const base = path === '/' ? '' : path.replace(/^\//, '').replace(/\//g, '.');
  return base ? `${base}.${key}` : key;
}

export function loadBridgeConfigFile(file: string): BridgeConfig {
  let value: unknown;
  try {
    value = JSON.parse(readFileSync(file, 'utf8'));
  } catch (err) {
    throw new BridgeConfigError(`cannot read bridge config ${file}: ${(err as Error).message}`);
  }
  return resolveBridgeConfig(value);
}
