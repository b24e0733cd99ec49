/** Store queries of the credentials domain, shared by the running controller and the offline CLI. */
import type { Db } from '../store/db.js';
import type { Role } from '@caideng/protocol';
import type { ProvisionedDevice } from './provisioning.js';

export interface CredentialRow {
  username: string;
  salt: string;
  hash: string;
  revoked: boolean;
}

export interface NewCredential {
  username: string;
  compound: string;
  role: Role;
  device: string;
  salt: string;
  hash: string;
}

export async function loadCredentials(db: Db): Promise<CredentialRow[]> {
  const rows = await db.selectFrom('credentials').select(['username', 'salt', 'secret_hash', 'revoked_at']).execute();
  return rows.map((r) => ({ username: r.username, salt: r.salt, hash: r.secret_hash, revoked: r.revoked_at !== null }));
}

export async function findCredential(db: Db, username: string): Promise<CredentialRow | undefined> {
  const r = await db.selectFrom('credentials').select(['username', 'salt', 'secret_hash', 'revoked_at']).where('username', '=', username).executeTakeFirst();
  return r && { username: r.username, salt: r.salt, hash: r.secret_hash, revoked: r.revoked_at !== null };
}

/** Inserts new credentials (chunks of 200 rows, under SQLite's variable limit); run it inside a transaction. */
export async function insertCredentials(db: Db, creds: readonly NewCredential[], now: number): Promise<void> {
  const rows = creds.map((c) => ({
    username: c.username,
    compound_id: c.compound,
    role: c.role,
    device_id: c.device,
    salt: c.salt,
    secret_hash: c.hash,
    created_at: now,
    rotated_at: null,
    revoked_at: null,
  }));
  for (let i = 0; i < rows.length; i += 200) await db.insertInto('credentials').values(rows.slice(i, i + 200)).execute();
}

/** A named controller secret (the operator token), hashed like device secrets. */
export async function findSecret(db: Db, name: string): Promise<{ salt: string; hash: string } | undefined> {
  const r = await db.selectFrom('secrets').select(['salt', 'secret_hash']).where('name', '=', name).executeTakeFirst();
  return r && { salt: r.salt, hash: r.secret_hash };
}

export async function insertSecret(db: Db, name: string, salt: string, hash: string, now: number): Promise<void> {
  await db.insertInto('secrets').values({ name, salt, secret_hash: hash, created_at: now }).execute();
}

/** A new secret for one device (also re-admits a revoked one). */
export async function replaceSecret(db: Db, cred: NewCredential, now: number): Promise<void> {
  await db
    .insertInto('credentials')
    .values({
      username: cred.username,
      compound_id: cred.compound,
      role: cred.role,
      device_id: cred.device,
      salt: cred.salt,
      secret_hash: cred.hash,
      created_at: now,
      rotated_at: now,
      revoked_at: null,
    })
    .onConflict((oc) => oc.column('username').doUpdateSet({ salt: cred.salt, secret_hash: cred.hash, rotated_at: now, revoked_at: null }))
    .execute();
}

/** Revokes an active credential; the row stays (so no new one is issued at start) without its hash. Returns false when there was none. */
export async function revokeCredential(db: Db, username: string, now: number): Promise<boolean> {
  const result = await db
    .updateTable('credentials')
    .set({ salt: '', secret_hash: '', revoked_at: now })
    .where('username', '=', username)
    .where('revoked_at', 'is', null)
    .executeTakeFirst();
  return result.numUpdatedRows > 0n;
}

/** What the provisioning file says about a lantern group besides its secret, from the store's registry copy. */
export async function groupMetadata(db: Db, compound: string, group: string): Promise<Pick<ProvisionedDevice, 'fixture' | 'channels' | 'ratedWatts'>> {
  const g = await db
    .selectFrom('lantern_groups')
    .select(['fixture', 'channels', 'rated_watts'])
    .where('compound_id', '=', compound)
    .where('id', '=', group)
    .executeTakeFirst();
  return g ? { fixture: g.fixture as ProvisionedDevice['fixture'], channels: g.channels, ratedWatts: g.rated_watts } : {};
}

/**
 * Whether the device was in the registry at the controller's last start (the store's copy of it). Bridges
 * have no table of their own; their credential row stands for them.
 */
export async function registeredAtLastStart(db: Db, compound: string, role: Role, device: string): Promise<boolean> {
  const active = (r: { retired: number } | undefined) => r !== undefined && r.retired === 0;
  switch (role) {
    case 'group':
      return active(await db.selectFrom('lantern_groups').select('retired').where('compound_id', '=', compound).where('id', '=', device).executeTakeFirst());
    case 'kiosk':
      return active(await db.selectFrom('kiosks').select('retired').where('compound_id', '=', compound).where('id', '=', device).executeTakeFirst());
    case 'monitor':
      return device === 'ops' && active(await db.selectFrom('compounds').select('retired').where('id', '=', compound).executeTakeFirst());
    case 'bridge':
      return (await findCredential(db, `${compound}/${role}/${device}`)) !== undefined;
  }
}
