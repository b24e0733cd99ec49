/**
 * Rotating and revoking with no controller running: the CLI opens the store in the data directory and
 * changes it the way the controller would (the provisioning file before the hash on rotate, the store
 * before the file on revoke). The next start reads the change.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { CaidengError, parseDeviceUsername } from '@caideng/protocol';
import { openDb, type Db } from '../store/db.js';
import { hashSecret, newSecret } from './secrets.js';
import { readProvisioning, writeProvisioning, type ProvisionedDevice, type ProvisioningFile } from './provisioning.js';
import { groupMetadata, registeredAtLastStart, replaceSecret, revokeCredential } from './queries.js';
import type { RevokedAnswer, RotatedAnswer } from './schemas.js';

/** The controller's store file in its data directory (as controller.ts opens it). */
export function storePath(dataDir: string): string {
  return join(dataDir, 'caideng.sqlite');
}

export async function withStore<T>(dataDir: string, fn: (db: Db) => Promise<T>): Promise<T> {
  const file = storePath(dataDir);
  if (!existsSync(file)) throw new Error(`no store at ${file}: start the controller once to issue credentials`);
  const db = await openDb({ file });
  try {
    return await fn(db);
  } finally {
    // destroy() waits for the store's checkpoint thread, which is unref'd: in a process with nothing else
    // to do, the loop would empty first and Node would end the CLI with "unsettled top-level await" (13).
    const keepAlive = setInterval(() => undefined, 1000);
    await db.destroy().finally(() => clearInterval(keepAlive));
  }
}

const emptyFile = (): ProvisioningFile => ({ version: 1, mqtt: { url: '' }, devices: [] });

export function rotateOffline(dataDir: string, username: string): Promise<RotatedAnswer> {
  return withStore(dataDir, async (db) => {
    const a = parseDeviceUsername(username);
    if (!a || !(await registeredAtLastStart(db, a.compound, a.role, a.device))) throw new CaidengError('CAIDENG_ERR_DEVICE_NOT_FOUND', [username]);
    const password = newSecret();
    const stored = hashSecret(password);
    const file = readProvisioning(dataDir) ?? emptyFile();
    const at = file.devices.findIndex((d) => d.username === username);
    const meta = a.role === 'group' ? await groupMetadata(db, a.compound, a.device) : {};
    const entry: ProvisionedDevice = { username, password, compound: a.compound, role: a.role, device: a.device, ...meta };
    const devices = [...file.devices];
    if (at >= 0) devices[at] = entry;
    else devices.push(entry);
    writeProvisioning(dataDir, { ...file, devices });
    const rotatedAt = Date.now();
    await replaceSecret(db, { username, compound: a.compound, role: a.role, device: a.device, ...stored }, rotatedAt);
    return { username, password, rotatedAt };
  });
}

export function revokeOffline(dataDir: string, username: string): Promise<RevokedAnswer> {
  return withStore(dataDir, async (db) => {
    const revokedAt = Date.now();
    if (!(await revokeCredential(db, username, revokedAt))) throw new CaidengError('CAIDENG_ERR_CREDENTIAL_NOT_FOUND', [username]);
    const file = readProvisioning(dataDir);
    if (file?.devices.some((d) => d.username === username)) {
      writeProvisioning(dataDir, { ...file, devices: file.devices.filter((d) => d.username !== username) });
    }
    return { username, revokedAt };
  });
}
