/**
 * Users from the command line: the CLI opens the store of the data directory and changes it through the
 * same `Accounts` code the controller runs. A running controller reads users on every request, so the
 * change holds at the user's next request; the change is in the audit log as done by `cli`.
 */
import { pino } from 'pino';
import { resolveConfig } from '../config/load.js';
import { EventBus } from '../bus/eventBus.js';
import { withStore } from '../credentials/offline.js';
import { Accounts } from './accounts.js';
import { AuditLog } from './audit.js';
import { ScopeTree } from './scopes.js';

export type Recorder = (action: string, target: string, detail: Record<string, unknown> | null) => Promise<void>;

export function withAccounts<T>(dataDir: string, fn: (accounts: Accounts, record: Recorder) => Promise<T>): Promise<T> {
  return withStore(dataDir, async (db) => {
    const log = pino({ level: 'silent' });
    const ctx = { config: resolveConfig({ dataDir }), log, db, bus: new EventBus(log) };
    const accounts = new Accounts(ctx, null);
    accounts.tree = await ScopeTree.fromStore(db);
    const audit = new AuditLog(ctx);
    const record: Recorder = (action, target, detail) =>
      audit.record({ actor: 'cli', ip: 'local', action, target: `user:${target}`, outcome: 'ok', status: 0, detail });
    return fn(accounts, record);
  });
}
