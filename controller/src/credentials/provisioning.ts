/**
 * The provisioning file: the operator's copy of newly generated secrets, to flash into devices
 * (and for the simulated county to use). Written with mode 0600 in the data directory, never
 * in the repository. The store keeps only hashes; `caideng credentials` reads this file.
 */
import { chmodSync, existsSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { FixtureKind, Role } from '@caideng/protocol';

export interface ProvisionedDevice {
  username: string;
  password: string;
  compound: string;
  role: Role;
  device: string;
  fixture?: FixtureKind;
  channels?: number;
  ratedWatts?: number;
}

export interface ProvisioningFile {
  version: 1;
  mqtt: { url: string; wsUrl?: string };
  http?: { url: string };
  operator?: { token: string };
  devices: ProvisionedDevice[];
}

export function provisioningPath(dataDir: string): string {
  return join(dataDir, 'credentials.json');
}

export function readProvisioning(dataDir: string): ProvisioningFile | null {
  const file = provisioningPath(dataDir);
  if (!existsSync(file)) return null;
  return JSON.parse(readFileSync(file, 'utf8')) as ProvisioningFile;
}

export function writeProvisioning(dataDir: string, content: ProvisioningFile): void {
  const file = provisioningPath(dataDir);
  const tmp = `${file}.${process.pid}.tmp`;
  writeFileSync(tmp, JSON.stringify(content, null, 2) + '\n', { mode: 0o600 });
  chmodSync(tmp, 0o600);
  renameSync(tmp, file);
}
