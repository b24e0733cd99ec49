/**
 * The provisioning file: the operator's copy of the device secrets, to flash into devices (and for the
 * simulated county to use). Written with mode 0600 in the data directory, never in the repository. The
 * store keeps only hashes, so this file is the only place a secret can be read again: it is written
 * (temp file, fsync, rename) before the hashes it carries are committed. `caideng credentials` reads it.
 */
import { closeSync, existsSync, fchmodSync, fsyncSync, openSync, readFileSync, renameSync, writeSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { CaidengError, type FixtureKind, type Role } from '@caideng/protocol';

export interface ProvisionedDevice {
  username: string;
  password: string;
  compound: string;
  role: Role;
  device: string;
  fixture?: FixtureKind;
  channels?: number;
  ratedWatts?: number;
  /** The bridge (gateway) that speaks for this group or kiosk, when one does: simulators leave it to the bridge. */
  bridge?: string;
}

/** A person's account with the password the controller generated for it (until they change it). */
export interface ProvisionedUser {
  username: string;
  password: string;
  role: string;
  scopes: string[];
}

export interface ProvisioningFile {
  version: 1;
  mqtt: { url: string; wsUrl?: string };
  http?: { url: string };
  operator?: { token: string };
  devices: ProvisionedDevice[];
  users?: ProvisionedUser[];
}

export function provisioningPath(dataDir: string): string {
  return join(dataDir, 'credentials.json');
}

export function readProvisioning(dataDir: string): ProvisioningFile | null {
  const file = provisioningPath(dataDir);
  if (!existsSync(file)) return null;
  let parsed: unknown;
  try {
    parsed = JSON.parse(readFileSync(file, 'utf8'));
  } catch (err) {
    throw new CaidengError('CAIDENG_ERR_PROVISIONING', [file, (err as Error).message]);
  }
  const f = parsed as Partial<ProvisioningFile> | null;
  if (!f || typeof f !== 'object' || !Array.isArray(f.devices) || typeof f.mqtt?.url !== 'string') {
    throw new CaidengError('CAIDENG_ERR_PROVISIONING', [file, 'expected { version, mqtt: { url }, devices: [...] }']);
  }
  return f as ProvisioningFile;
}

/**
 * Replaces the file atomically and durably: a crash leaves either the old or the new file, never a torn
 * one, and once this returns the new content survives a power loss (file and directory are fsynced).
 */
export function writeProvisioning(dataDir: string, content: ProvisioningFile): void {
  const file = provisioningPath(dataDir);
  const tmp = `${file}.${process.pid}.tmp`;
  const fd = openSync(tmp, 'w', 0o600);
  try {
    fchmodSync(fd, 0o600); // a stale temp file keeps its old mode on open
    const bytes = Buffer.from(JSON.stringify(content, null, 2) + '\n');
    for (let at = 0; at < bytes.length; ) at += writeSync(fd, bytes, at);
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
  renameSync(tmp, file);
  const dir = openSync(dirname(file), 'r');
  try {
    fsyncSync(dir);
  } finally {
    closeSync(dir);
  }
}
