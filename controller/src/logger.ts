import { pino, type Logger } from 'pino';
import type { Config } from './config/schema.js';

export type { Logger };

/** One root logger; modules take a child with their namespace (`log.child({ module: 'broker' })`). */
export function createLogger(config: Config['log']): Logger {
  return pino({
    level: config.level,
    base: { service: 'caideng' },
    // Secrets never reach the logs, even if a caller passes a whole packet or credential.
    redact: { paths: ['password', '*.password', 'secret', '*.secret', 'token', '*.token', 'req.headers.authorization'], censor: '[redacted]' },
    ...(config.pretty ? { transport: { target: 'pino-pretty', options: { colorize: true, translateTime: 'SYS:HH:MM:ss.l' } } } : {}),
  });
}
