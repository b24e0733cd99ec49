/**
 * Per-device credentials. On start every registered device without a credential gets one; secrets go to
 * the provisioning file (mode 0600) for the operator, and only salted hashes go to the store. The file is
 * written before the hashes are committed: a start that fails later (a port in use) must not leave hashes
 * whose secrets nobody can read. Existing credentials survive restarts unchanged; the operator rotates or
 * revokes one device at a time, which ends its live sessions at once (`credential.revoked` on the bus).
 */
import { CaidengError, parseDeviceUsername, type Role } from '@caideng/protocol';
import type { DeviceAuthenticator, DeviceDirectory } from '../broker/ports.js';
import type { OperatorAuthenticator } from '../auth/http.js';
import { Feature, type FeatureContext } from '../features/feature.js';
import type { Registry } from '../registry/registry.js';
import { hashSecret, newSecret, verifySecret } from './secrets.js';
import { readProvisioning, writeProvisioning, type ProvisionedDevice, type ProvisioningFile } from './provisioning.js';
import { findSecret, insertCredentials, insertSecret, loadCredentials, replaceSecret, revokeCredential, type NewCredential } from './queries.js';

interface Stored {
  salt: string;
  hash: string;
}

export const OPERATOR_TOKEN = 'operator-token';

export interface RotatedCredential {
  username: string;
  /** The new secret; it is also in the provisioning file. */
  password: string;
  rotatedAt: number;
}

export interface RevokedCredential {
  username: string;
  revokedAt: number;
}

export class CredentialStore extends Feature implements DeviceAuthenticator, OperatorAuthenticator {
  /** Active credentials by username. */
  private readonly byUsername = new Map<string, Stored>();
  private operator: Stored | null = null;
  /** Rotations and revocations run one at a time, so the file and the store change in the same order. */
  private queue: Promise<unknown> = Promise.resolve();
  /** Endpoints written into the provisioning file; set by the controller once it listens. */
  endpoints: ProvisioningFile['mqtt'] & { http?: string } = { url: '' };

  /** The registry, as the broker sees it: whether a device may connect at all. */
  private readonly directory: DeviceDirectory;

  constructor(
    ctx: FeatureContext,
    private readonly registry: Registry,
  ) {
    super(ctx, 'credentials');
    this.directory = registry;
  }

  override async start(): Promise<void> {
    const { db } = this.ctx;
    const revoked = new Set<string>();
    for (const row of await loadCredentials(db)) {
      if (row.revoked) revoked.add(row.username);
      else this.byUsername.set(row.username, { salt: row.salt, hash: row.hash });
    }
    const op = await findSecret(db, OPERATOR_TOKEN);
    if (op) this.operator = op;

    // A revoked device stays revoked until the operator rotates it.
    const missing = this.registry.usernames().filter((u) => !this.byUsername.has(u) && !revoked.has(u));
    const operatorToken = op ? null : newSecret();
    if (missing.length === 0 && !operatorToken) return;

    const issued = new Map<string, string>();
    const next = new Map(this.byUsername);
    const rows: NewCredential[] = missing.map((username) => {
      const secret = newSecret();
      const stored = hashSecret(secret);
      issued.set(username, secret);
      next.set(username, stored);
      const a = parseDeviceUsername(username)!;
      return { username, compound: a.compound, role: a.role, device: a.device, ...stored };
    });
    const operator = operatorToken ? hashSecret(operatorToken) : this.operator;
    // File first, then the hashes: if the commit fails, the file lists secrets that match nothing (and the
    // next write drops them); the other order could lose a secret for good.
    this.writeFile(next, issued, operator, operatorToken);
    const now = Date.now();
    await db.transaction().execute(async (trx) => {
      if (operatorToken && operator) await insertSecret(trx, OPERATOR_TOKEN, operator.salt, operator.hash, now);
      await insertCredentials(trx, rows, now);
    });
    for (const [u, stored] of next) this.byUsername.set(u, stored);
    this.operator = operator;
    if (rows.length > 0) this.log.info({ issued: rows.length }, 'issued device credentials (see the provisioning file)');
  }

  /**
   * Rewrites the provisioning file with the current endpoints (the controller calls it once it listens). The
   * secrets are in the file already, so a failure here costs only the endpoints: logged, not fatal.
   */
  writeProvisioningFile(): void {
    try {
      this.writeFile(this.byUsername, new Map(), this.operator, null);
    } catch (err) {
      this.log.error({ err }, 'could not update the provisioning file with the endpoints');
    }
  }

  verify(username: string, password: Buffer | string | undefined): boolean {
    const stored = this.byUsername.get(username);
    if (!stored) return false;
    // A device removed from the registry keeps its row (history), but not its access.
    const a = parseDeviceUsername(username);
    if (!a || !this.directory.deviceExists(a.compound, a.role, a.device)) return false;
    return verifySecret(password, stored.salt, stored.hash);
  }

  verifyOperator(token: string | undefined): boolean {
    return Boolean(this.operator && token && verifySecret(token, this.operator.salt, this.operator.hash));
  }

  /** Issues a new secret for one registered device (re-admitting it if it was revoked); the old one stops working and its sessions end. */
  rotate(username: string): Promise<RotatedCredential> {
    return this.serial(async () => {
      const a = parseDeviceUsername(username);
      if (!a || !this.registry.deviceExists(a.compound, a.role, a.device)) throw new CaidengError('CAIDENG_ERR_DEVICE_NOT_FOUND', [username]);
      const password = newSecret();
      const stored = hashSecret(password);
      const next = new Map(this.byUsername).set(username, stored);
      this.writeFile(next, new Map([[username, password]]), this.operator, null);
      const rotatedAt = Date.now();
      await replaceSecret(this.ctx.db, { username, compound: a.compound, role: a.role, device: a.device, ...stored }, rotatedAt);
      this.byUsername.set(username, stored);
      this.log.info({ username }, 'device credential rotated');
      this.ctx.bus.emit('credential.revoked', { username, reason: 'rotated' });
      return { username, password, rotatedAt };
    });
  }

  /** Removes a device's credential: it is refused at CONNECT, its sessions end, and no start issues it a new one (rotate does). */
  revoke(username: string): Promise<RevokedCredential> {
    return this.serial(async () => {
      const revokedAt = Date.now();
      // The store first: once this commits the revocation holds, whatever happens to the file.
      if (!this.byUsername.has(username) || !(await revokeCredential(this.ctx.db, username, revokedAt))) {
        throw new CaidengError('CAIDENG_ERR_CREDENTIAL_NOT_FOUND', [username]);
      }
      this.byUsername.delete(username);
      this.log.info({ username }, 'device credential revoked');
      this.ctx.bus.emit('credential.revoked', { username, reason: 'revoked' });
      try {
        this.writeFile(this.byUsername, new Map(), this.operator, null);
      } catch (err) {
        this.log.error({ err }, 'could not remove the revoked secret from the provisioning file (it no longer works)');
      }
      return { username, revokedAt };
    });
  }

  private serial<T>(fn: () => Promise<T>): Promise<T> {
    const run = this.queue.then(fn, fn);
    this.queue = run.catch(() => undefined);
    return run;
  }

  /**
   * Writes the provisioning file: every registered device whose secret is known (just issued, or already in
   * the file) and matches `creds`, in registry order with its metadata. A secret that no longer matches its
   * hash (a rotation whose commit failed, a revoked device) is dropped, so the file lists only working secrets.
   */
  private writeFile(creds: ReadonlyMap<string, Stored>, issued: ReadonlyMap<string, string>, operator: Stored | null, newOperatorToken: string | null): void {
    const dataDir = this.ctx.config.dataDir;
    const previous = readProvisioning(dataDir);
    const known = new Map(previous?.devices.map((d) => [d.username, d.password]) ?? []);
    for (const [u, s] of issued) known.set(u, s);
    const devices: ProvisionedDevice[] = [];
    let dropped = 0;
    // Which bridge serves which device: `compound/kind/id` → bridge id.
    const via = new Map<string, string>();
    for (const c of this.registry.county.compounds) {
      for (const b of c.bridges) for (const key of this.registry.servedBy(`${c.id}/bridge/${b.id}`)) via.set(key, b.id);
    }
    for (const c of this.registry.county.compounds) {
      const add = (role: Role, device: string, extra: Partial<ProvisionedDevice> = {}) => {
        const username = `${c.id}/${role}/${device}`;
        const password = known.get(username);
        const stored = creds.get(username);
        if (!password || !stored) return;
        if (!issued.has(username) && !verifySecret(password, stored.salt, stored.hash)) {
          dropped++;
          return;
        }
        const bridge = via.get(username);
        devices.push({ username, password, compound: c.id, role, device, ...extra, ...(bridge ? { bridge } : {}) });
      };
      for (const g of c.groups) add('group', g.id, { fixture: g.fixture, channels: g.channels, ratedWatts: g.ratedWatts });
      for (const k of c.kiosks) add('kiosk', k.id);
      for (const b of c.bridges) add('bridge', b.id);
      add('monitor', 'ops');
    }
    const previousToken = previous?.operator?.token;
    const operatorToken =
      newOperatorToken ?? (previousToken && operator && verifySecret(previousToken, operator.salt, operator.hash) ? previousToken : undefined);
    // Before the controller listens the file keeps the endpoints it had (or none yet).
    const { http, ...mqtt } = this.endpoints.url ? this.endpoints : { ...(previous?.mqtt ?? { url: '' }), http: previous?.http?.url };
    writeProvisioning(dataDir, {
      version: 1,
      mqtt,
      ...(http ? { http: { url: http } } : {}),
      ...(operatorToken ? { operator: { token: operatorToken } } : {}),
      devices,
      // The accounts feature owns the users' part of the file (auth/accounts.ts); it is carried over as it is.
      ...(previous?.users ? { users: previous.users } : {}),
    });
    if (dropped > 0) this.log.info({ dropped }, 'dropped secrets from the provisioning file that no longer match the store');
  }
}
