/** MQTT over TLS, when configured: devices connect with the same credentials over an encrypted socket. */
import { execFile } from 'node:child_process';
import { readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { connect, connectDevice, endClient, startTestController, tempDir, type TestController } from './helpers.js';

const run = promisify(execFile);
let ctl: TestController;
let ca: Buffer;
let dir: string;
let opensslMissing: Error | undefined;

beforeAll(async () => {
  dir = tempDir('caideng-tls-');
  const [certFile, keyFile] = [join(dir, 'cert.pem'), join(dir, 'key.pem')];
  // A throwaway self-signed certificate for 127.0.0.1 (Debian's openssl).
  try {
    await run('openssl', ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-keyout', keyFile, '-out', certFile, '-days', '1', '-subj', '/CN=caideng-test', '-addext', 'subjectAltName=IP:127.0.0.1']);
  } catch (err) {
    // The test then fails with this (beforeEach below): a failing beforeAll would report it as skipped.
    opensslMissing = new Error(`openssl could not make a certificate (npm test's set-up installs Debian's openssl): ${(err as Error).message}`);
    return;
  }
  ca = readFileSync(certFile);
  ctl = await startTestController({ mqtt: { tls: { port: 0, certFile, keyFile } } });
});
beforeEach(() => {
  if (opensslMissing) throw opensslMissing;
});
afterAll(async () => {
  await ctl?.dispose();
  rmSync(dir, { recursive: true, force: true });
});

describe('MQTT over TLS', () => {
  it('accepts a device with its credentials over TLS and refuses a wrong password', async () => {
    const url = `mqtts://127.0.0.1:${ctl.broker.tlsPort}`;
    const device = await connectDevice(ctl, 'alpha/group/g01', { ca, rejectUnauthorized: true }, url);
    expect(device.connected).toBe(true);
    await endClient(device);
    await expect(connect(url, { username: 'alpha/group/g01', password: 'wrong', clientId: 'alpha/group/g01', ca })).rejects.toThrow(/Bad username or password/i);
  });
});
