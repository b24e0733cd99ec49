import { readFileSync } from 'node:fs';
import { Compile } from 'typebox/compile';
import { Value } from 'typebox/value';
import { CaidengError } from '@caideng/protocol';
import { ConfigSchema, type Config, type ConfigInput } from './schema.js';

const validator = Compile(ConfigSchema);

/**
 * Applies defaults and validates. Throws CAIDENG_ERR_CONFIG naming every unknown key and bad value.
 */
export function resolveConfig(input: unknown = {}): Config {
  const withDefaults = Value.Default(ConfigSchema, structuredClone(input ?? {}));
  if (validator.Check(withDefaults)) return withDefaults as Config;
  const problems: string[] = [];
  for (const e of validator.Errors(withDefaults)) {
    const path = e.instancePath || '/';
    if (e.keyword === 'additionalProperties') {
      const names = (e.params as { additionalProperties?: string[] }).additionalProperties ?? [];
      for (const n of names) problems.push(`unknown key '${joinPath(path, n)}'`);
    } else if (e.keyword !== 'boolean') {
      problems.push(`${path}: ${e.message}`);
    }
  }
  throw new CaidengError('CAIDENG_ERR_CONFIG', [problems.join('; ') || 'invalid']);
}

function joinPath(path: string, key: string): string {
  return (path === '/' ? '' : path).replace(/^\//, '').replace(/\//g, '.') + (path === '/' ? '' : '.') + key;
}

export function loadConfigFile(file: string): ConfigInput {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    throw new CaidengError('CAIDENG_ERR_CONFIG', [`cannot read ${file}: ${(err as Error).message}`]);
  }
  try {
    return JSON.parse(text) as ConfigInput;
  } catch (err) {
    throw new CaidengError('CAIDENG_ERR_CONFIG', [`${file} is not valid JSON: ${(err as Error).message}`]);
  }
}

export type { Config, ConfigInput };
