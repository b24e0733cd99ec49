/**
 * A small structured logger: one JSON object per line, `{ts, level, ns, msg, ...fields}`. The simulators
 * keep no pino dependency; the controller reads these lines as they are when it runs the CLI as a child.
 */
export const LOG_LEVELS = ['debug', 'info', 'warn', 'error'] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];
export type LogFields = Record<string, unknown>;

export interface Logger {
  debug(msg: string, fields?: LogFields): void;
  info(msg: string, fields?: LogFields): void;
  warn(msg: string, fields?: LogFields): void;
  error(msg: string, fields?: LogFields): void;
  child(ns: string): Logger;
}

export interface JsonLoggerOptions {
  /** Namespace, e.g. `simulators:county`. */
  ns: string;
  /** Lowest level written. Default `info`. */
  level?: LogLevel;
  /** Where lines go. Default process.stdout. */
  write?: (line: string) => void;
  now?: () => number;
}

export function createJsonLogger(options: JsonLoggerOptions): Logger {
  const min = LOG_LEVELS.indexOf(options.level ?? 'info');
  const write = options.write ?? ((line: string) => void process.stdout.write(line));
  const now = options.now ?? Date.now;
  const make = (ns: string): Logger => {
    const at = (level: LogLevel) => (msg: string, fields?: LogFields) => {
      if (LOG_LEVELS.indexOf(level) < min) return;
      write(`${JSON.stringify({ ts: now(), level, ns, msg, ...fields }, errorReplacer)}\n`);
    };
    return { debug: at('debug'), info: at('info'), warn: at('warn'), error: at('error'), child: (sub) => make(`${ns}:${sub}`) };
  };
  return make(options.ns);
}

function errorReplacer(_key: string, value: unknown): unknown {
  if (value instanceof Error) return { name: value.name, message: value.message, ...('code' in value ? { code: value.code } : {}) };
  return value;
}

const noop = (): void => {};
/** The default for library code: logs nothing. */
export const silentLogger: Logger = { debug: noop, info: noop, warn: noop, error: noop, child: () => silentLogger };
