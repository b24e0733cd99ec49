/** Tiny argument parsing for the tools: positionals, `--key value` and `--flag`. */
export interface Args {
  positional: string[];
  options: Map<string, string[]>;
}

export function parseArgs(argv: readonly string[]): Args {
  const positional: string[] = [];
  const options = new Map<string, string[]>();
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    if (a.startsWith('--')) {
      const [key, inline] = a.slice(2).split('=', 2) as [string, string | undefined];
      const next = argv[i + 1];
      const value = inline ?? (next !== undefined && !next.startsWith('--') ? (i++, next) : 'true');
      options.set(key, [...(options.get(key) ?? []), value]);
    } else positional.push(a);
  }
  return { positional, options };
}

export function option(args: Args, key: string): string | undefined {
  return args.options.get(key)?.at(-1);
}

/** `--param key=value` pairs; numbers and booleans are converted. */
export function sceneParamsFrom(args: Args): Record<string, number | string | boolean> {
  const out: Record<string, number | string | boolean> = {};
  for (const pair of args.options.get('param') ?? []) {
    const eq = pair.indexOf('=');
    if (eq < 1) continue;
    const raw = pair.slice(eq + 1);
    out[pair.slice(0, eq)] = raw === 'true' ? true : raw === 'false' ? false : raw !== '' && Number.isFinite(Number(raw)) ? Number(raw) : raw;
  }
  return out;
}
