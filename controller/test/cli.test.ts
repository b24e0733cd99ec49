/** The operator's credentials command, as the README uses it (`npm run credentials -- …`). */
import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connect, endClient, startTestController, tempDir, type TestController } from './helpers.js';

const run = promisify(execFile);
const CLI = fileURLToPath(new URL('../dist/cli.js', import.meta.url));
let ctl: TestController;

beforeAll(async () => {
  ctl = await startTestController();
});
afterAll(async () => {
  await ctl.dispose();
});

describe('credentials command', () => {
  it('prints a compound monitor account as shell variables that log in', async () => {
    const { stdout } = await run(process.execPath, [CLI, 'credentials', '--data-dir', ctl.dataDir, '--compound', 'alpha', '--role', 'monitor', '--format', 'env']);
    const env = Object.fromEntries(stdout.trim().split('\n').map((l) => l.split(/=(.*)/s).slice(0, 2) as [string, string]));
    expect(env.CAIDENG_MQTT_USERNAME).toBe('alpha/monitor/ops');
    expect(env.CAIDENG_MQTT_URL).toBe(ctl.mqttUrl);
    const client = await connect(ctl.mqttUrl, { username: env.CAIDENG_MQTT_USERNAME, password: env.CAIDENG_MQTT_PASSWORD, clientId: env.CAIDENG_MQTT_USERNAME });
    expect(client.connected).toBe(true);
    await endClient(client);
  });

  it('lists every device of a compound with the operator token in the table format', async () => {
    const { stdout } = await run(process.execPath, [CLI, 'credentials', '--data-dir', ctl.dataDir, '--compound', 'beta']);
    expect(stdout).toContain(`HTTP operator token: ${ctl.operatorToken()}`);
    for (const u of ['beta/group/g01', 'beta/group/g02', 'beta/kiosk/k1', 'beta/monitor/ops']) expect(stdout).toContain(u);
    expect(stdout).not.toContain('alpha/');
  });

  it('says what to do when there is nothing to show', async () => {
    const empty = tempDir();
    const missing = await run(process.execPath, [CLI, 'credentials', '--data-dir', empty]).catch((e: { code: number; stderr: string }) => e);
    expect((missing as { code: number }).code).toBe(1);
    expect((missing as { stderr: string }).stderr).toMatch(/start the controller once/);
    const unknown = await run(process.execPath, [CLI, 'credentials', '--data-dir', ctl.dataDir, '--compound', 'nowhere']).catch((e: { code: number; stderr: string }) => e);
    expect((unknown as { stderr: string }).stderr).toContain("no credentials for compound 'nowhere'");
    const format = await run(process.execPath, [CLI, 'credentials', '--data-dir', ctl.dataDir, '--format', 'xml']).catch((e: { code: number; stderr: string }) => e);
    expect((format as { code: number }).code).toBe(2);
  });
});
