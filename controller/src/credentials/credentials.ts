/**
 * Per-device credentials. On start every registered device without a credential gets one; new
 * secrets go to the provisioning file (mode 0600) for the operator, and only salted hashes go to the
 * store. Existing credentials survive restarts unchanged.
 */
import { parseDeviceUsername, type Role } from '@caideng/protocol';
import type { DeviceAuthenticator } from '../broker/ports.js';
import { Feature, type FeatureContext } from '../features/feature.js';
import { hashSecret, newSecret, verifySecret } from './secrets.js';
import { readProvisioning, writeProvisioning, type ProvisionedDevice, type ProvisioningFile } from './provisioning.js';
import type { Registry } from '../registry/registry.js';

interface Stored {
  salt: string;
  hash: string;
}

export const OPERATOR_TOKEN = 'operator-token';

export class CredentialStore extends Feature implements DeviceAuthenticator {
  private readonly byUsername = new Map<string, Stored>();
  private operator: Stored | null = null;
  /** Endpoints written into the provisioning file; set by the controller once it listens. */
  endpoints: ProvisioningFile['mqtt'] & { http?: string } = { url: '' };

  constructor(
    ctx: FeatureContext,
    private readonly registry: Registry,
  ) {
    super(ctx, 'credentials');
  }

  override async start(): Promise<void> {
    const { db } = this.ctx;
    for (const row of await db.selectFrom('credentials').select(['username', 'salt', 'secret_hash']).execute()) {
      this.byUsername.set(row.username, { salt: row.salt, hash: row.secret_hash });
    }
    const op = await db.selectFrom('secrets').selectAll().where('name', '=', OPERATOR_TOKEN).executeTakeFirst();
    const issued = new Map<string, string>();
    const now = Date.now();
    let operatorToken: string | null = null;
    if (op) this.operator = { salt: op.salt, hash: op.secret_hash };
    else {
      operatorToken = newSecret();
      const { salt, hash } = hashSecret(operatorToken);
      await db.insertInto('secrets').values({ name: OPERATOR_TOKEN, salt, secret_hash: hash, created_at: now }).execute();
      this.operator = { salt, hash };
    }
    const missing = this.registry.usernames().filter((u) => !this.byUsername.has(u));
    if (missing.length > 0) {
      const rows = missing.map((username) => {
        const secret = newSecret();
        issued.set(username, secret);
        const { salt, hash } = hashSecret(secret);
        this.byUsername.set(username, { salt, hash });
        const a = parseDeviceUsername(username)!;
        return { username, compound_id: a.compound, role: a.role, device_id: a.device, salt, secret_hash: hash, created_at: now, rotated_at: null };
      });
      await db.transaction().execute(async (trx) => {
        for (let i = 0; i < rows.length; i += 200) await trx.insertInto('credentials').values(rows.slice(i, i + 200)).execute();
      });
      this.log.info({ issued: rows.length }, 'issued device credentials (see the provisioning file)');
    }
    this.pendingIssued = issued;
    this.pendingOperator = operatorToken;
  }

  private pendingIssued = new Map<string, string>();
  private pendingOperator: string | null = null;

  /** Writes the provisioning file: new secrets merged into what the file already holds, with device metadata. */
  writeProvisioningFile(): void {
    const dataDir = this.ctx.config.dataDir;
    const previous = readProvisioning(dataDir);
    const known = new Map(previous?.devices.map((d) => [d.username, d.password]) ?? []);
    for (const [u, s] of this.pendingIssued) known.set(u, s);
    const devices: ProvisionedDevice[] = [];
    for (const c of this.registry.county.compounds) {
      const add = (role: Role, device: string, extra: Partial<ProvisionedDevice> = {}) => {
        const username = `${c.id}/${role}/${device}`;
        const password = known.get(username);
        if (password) devices.push({ username, password, compound: c.id, role, device, ...extra });
      };
      for (const g of c.groups) add('group', g.id, { fixture: g.fixture, channels: g.channels, ratedWatts: g.ratedWatts });
      for (const k of c.kiosks) add('kiosk', k.id);
      for (const b of c.bridges) add('bridge', b.id);
      add('monitor', 'ops');
    }
    const operatorToken = this.pendingOperator ?? previous?.operator?.token;
    const { http, ...mqtt } = this.endpoints;
    writeProvisioning(dataDir, {
      version: 1,
      mqtt,
      ...(http ? { http: { url: http } } : {}),
      ...(operatorToken ? { operator: { token: operatorToken } } : {}),
      devices,
    });
    this.pendingIssued.clear();
    this.pendingOperator = null;
  }

  verify(username: string, password: Buffer | string | undefined): boolean {
    const stored = this.byUsername.get(username);
    if (!stored) return false;
    return verifySecret(password, stored.salt, stored.hash);
  }

  verifyOperator(token: string | undefined): boolean {
    return Boolean(this.operator && token && verifySecret(token, this.operator.salt, this.operator.hash));
  }

  /** Issues a new secret for one device; the old one stops working at once. Returns the new secret. */
  async rotate(username: string): Promise<string> {
    if (!this.byUsername.has(username)) throw new Error(`no credential for '${username}'`);
    const secret = newSecret();
    const { salt, hash } = hashSecret(secret);
    await this.ctx.db.updateTable('credentials').set({ salt, secret_hash: hash, rotated_at: Date.now() }).where('username', '=', username).execute();
    this.byUsername.set(username, { salt, hash });
    this.pendingIssued.set(username, secret);
    this.writeProvisioningFile();
    return secret;
  }
}
