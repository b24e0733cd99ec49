/**
 * What `npm start` promises, on the built artefacts: the controller with its embedded broker, SQLite and a
 * simulated county of 22 compounds comes up; within 20 s every simulated group is online in the API; an
 * scheduler runs the demo programme (a group shows what the plan says now); an
 * independent MQTT client (Debian's mosquitto_sub) with a compound's credentials sees that compound's
 * retained state and is refused another compound's topics. A SIGTERM to the process group (as Ctrl-C
 * does under `npm start`) stops it with exit code 0 and not one warning.
 */
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { io } from 'socket.io-client';
import type { CompoundSummary, DeviceStatus } from '@caideng/protocol';
import { readProvisioning } from '@caideng/controller';

const run = promisify(execFile);
const root = fileURLToPath(new URL('..', import.meta.url));
const dataDir = mkdtempSync(join(tmpdir(), 'caideng-start-'));
let child: ChildProcess;
let httpUrl = '';
let mqttPort = 0;
let startedAt = 0;
/** Everything the controller printed, stdout and stderr. */
let output = '';
const operatorToken = () => readProvisioning(dataDir)!.operator!.token;
/** Groups a bridge (gateway) speaks for, per compound: the simulator leaves them to `npm run bridge`. */
const bridged = new Map<string, number>();
for (const street of JSON.parse(readFileSync(join(root, 'controller/config/rong-county.json'), 'utf8')).streets) {
  for (const community of street.communities) {
    for (const c of community.compounds) {
      bridged.set(c.id, (c.bridges ?? []).reduce((n: number, b: { groups?: string[] }) => n + (b.groups?.length ?? 0), 0));
    }
  }
}
const simulated = (c: CompoundSummary) => c.groups - (bridged.get(c.id) ?? 0);

beforeAll(async () => {
  startedAt = Date.now();
  child = spawn(process.execPath, ['controller/dist/main.js', '--demo', '--data-dir', dataDir, '--http-port', '0', '--mqtt-port', '0', '--log-level', 'warn'], {
    cwd: root,
    stdio: ['ignore', 'pipe', 'pipe'],
    detached: true, // its own process group, with the simulator it starts: a terminal's Ctrl-C reaches both
  });
  let out = '';
  let err = '';
  child.stderr!.on('data', (d: Buffer) => {
    err += d.toString();
    output += d.toString();
  });
  child.stdout!.on('data', (d: Buffer) => (output += d.toString()));
  await new Promise<void>((resolve, reject) => {
    child.stdout!.on('data', (d: Buffer) => {
      out += d.toString();
      const http = /Dashboard[^:]*:\s+(http:\/\/[0-9.:]+)\//.exec(out);
      const mqtt = /MQTT:\s+mqtt:\/\/[0-9.]+:(\d+)/.exec(out);
      if (http && mqtt) {
        httpUrl = http[1]!;
        mqttPort = Number(mqtt[1]);
        resolve();
      }
    });
    child.once('exit', (code) => reject(new Error(`controller exited with ${code}: ${err}`)));
  });
});

afterAll(async () => {
  if (child && child.exitCode === null && child.signalCode === null) {
    const exited = new Promise((r) => child.once('exit', r));
    process.kill(-child.pid!, 'SIGTERM');
    await exited;
  }
  rmSync(dataDir, { recursive: true, force: true });
});

describe('npm start', () => {
  it('brings every simulated group of the 22 compounds online within 20 s', async () => {
    // Wait for the live summaries to say so (event-driven), then check the HTTP answer itself.
    const socket = io(httpUrl, { path: '/socket.io', transports: ['websocket'], reconnection: false, auth: { token: operatorToken() } });
    const allOnline = (s: CompoundSummary[]) => s.length === 22 && s.every((c) => c.groups > 0 && c.groupsOnline === simulated(c));
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error('groups not all online within 20 s of start')), Math.max(0, 20_000 - (Date.now() - startedAt)));
      const check = ({ summaries }: { summaries: CompoundSummary[] }) => {
        if (allOnline(summaries)) {
          clearTimeout(timer);
          resolve();
        }
      };
      socket.on('snapshot', check);
      socket.on('summaries', check);
      socket.on('connect', () => socket.emit('subscribe', '*'));
    });
    socket.close();
    const compounds = (await (await fetch(`${httpUrl}/api/compounds`, { headers: { authorization: `Bearer ${operatorToken()}` } })).json()) as Array<
      CompoundSummary & { name: string }
    >;
    expect(compounds).toHaveLength(22);
    expect(compounds.map((c) => c.name)).toEqual(expect.arrayContaining(['星河家园', '星河春天', '南湖逸都', '桑海森林柏麓郡', '清心园']));
    for (const c of compounds) {
      expect(c.groups).toBeGreaterThanOrEqual(8);
      expect(c.groups).toBeLessThanOrEqual(16);
      expect(c.groupsOnline).toBe(simulated(c));
      expect(c.kiosks).toBe(2);
    }
    expect(Date.now() - startedAt).toBeLessThan(20_000);
  });

  it('prints who can sign in, and the demo users sign in with the passwords npm run credentials shows', async () => {
    for (const name of ['admin', 'xinghe-staff', 'nanhu-officer', 'xuyang-officer', 'committee']) expect(output).toContain(name);
    expect(output).toContain('npm run credentials -- --users');
    const users = readProvisioning(dataDir)!.users!;
    expect(users.map((u) => u.username).sort()).toEqual(['admin', 'committee', 'nanhu-officer', 'xinghe-staff', 'xuyang-officer']);
    // No password in what npm start printed: they are in the provisioning file only.
    for (const u of users) expect(output).not.toContain(u.password);
    const staff = users.find((u) => u.username === 'xinghe-staff')!;
    const login = await fetch(`${httpUrl}/api/auth/login`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ username: staff.username, password: staff.password }),
    });
    expect(login.status).toBe(200);
    const cookie = login.headers.get('set-cookie')!.split(';')[0]!;
    const mine = (await (await fetch(`${httpUrl}/api/compounds`, { headers: { cookie } })).json()) as Array<{ name: string }>;
    expect(mine.map((c) => c.name).sort()).toEqual(['星河家园', '星河春天'].sort());
  });

  it('runs the demo programme: a group shows what the schedule says now (dark at 3 a.m., lit in the evening)', async () => {
    const auth = { authorization: `Bearer ${operatorToken()}` };
    const rules = (await (await fetch(`${httpUrl}/api/rules`, { headers: auth })).json()) as { rules: Array<{ createdBy: string }> };
    expect(rules.rules.length).toBe(5);
    const now = Date.now();
    const plan = (await (await fetch(`${httpUrl}/api/compounds/xinghe-jiayuan/plan?from=${now}&to=${now + 30_000}`, { headers: auth })).json()) as {
      entries: Array<{ groups: string[]; power: 'on' | 'off'; scene: { name: string } | null }>;
    };
    // What g01 should show over the next half minute (two entries when a change falls inside it).
    const expected = plan.entries.filter((e) => e.groups.includes('g01'));
    expect(expected.length).toBeGreaterThan(0);
    const matches = (d: DeviceStatus) =>
      expected.some((e) => (e.power === 'off' ? d.state?.power === 'off' : d.state?.power === 'on' && d.state.scene?.name === e.scene?.name));
    const socket = io(httpUrl, { path: '/socket.io', transports: ['websocket'], reconnection: false, auth: { token: operatorToken() } });
    const shown = await new Promise<DeviceStatus>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`g01 does not show ${JSON.stringify(expected)}`)), 15_000);
      const check = (list: DeviceStatus[]) => {
        const g = list.find((d) => d.compound === 'xinghe-jiayuan' && d.id === 'g01' && d.online && matches(d));
        if (g) {
          clearTimeout(timer);
          resolve(g);
        }
      };
      socket.on('snapshot', ({ devices }) => check(devices));
      socket.on('devices', ({ changes }) => check(changes));
      socket.on('connect', () => socket.emit('subscribe', ['xinghe-jiayuan']));
    });
    socket.close();
    expect(shown.state).toBeDefined();
  });

  it("lets mosquitto_sub with a compound's credentials read its retained state, and refuses another compound", async () => {
    const monitor = readProvisioning(dataDir)!.devices.find((d) => d.username === 'xinghe-jiayuan/monitor/ops')!;
    const common = ['-h', '127.0.0.1', '-p', String(mqttPort), '-u', monitor.username, '-P', monitor.password, '-i', monitor.username, '-W', '10'];
    const own = await run('mosquitto_sub', [...common, '-t', 'caideng/v1/xinghe-jiayuan/group/g01/state', '-C', '1']);
    const state = JSON.parse(own.stdout.trim());
    expect(state).toMatchObject({ v: 1, power: expect.stringMatching(/on|off/) });

    // mosquitto_sub reports a refused subscription (SUBACK 0x80) on stderr and receives nothing.
    const other = await run('mosquitto_sub', [...common, '-W', '3', '-t', 'caideng/v1/nanhu-yidu/#', '-C', '1']).catch((e: { stdout: string; stderr: string }) => e);
    expect(other.stderr).toContain('denied');
    expect(other.stdout).toBe('');

    const wrong = run('mosquitto_sub', [...common.slice(0, 6), '-P', 'not-the-password', '-i', monitor.username, '-t', '#', '-C', '1', '-W', '3']);
    await expect(wrong).rejects.toMatchObject({ stderr: expect.stringMatching(/not authori[sz]ed|bad user name or password|Connection Refused/i) });
  });

  it('stops on SIGTERM to its process group with exit code 0 and no warning or error in its log', async () => {
    const from = output.length;
    // 'close', not 'exit': it comes after the last output has been read.
    const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => child.once('close', (code, signal) => resolve({ code, signal })));
    const killedAt = Date.now();
    process.kill(-child.pid!, 'SIGTERM');
    const { code, signal } = await exited;
    // A line the previous test caused (the refused wrong password) may still be on its way through the pipe:
    // what counts is what the controller logged from the signal on, by the time in each line.
    const lines = output.slice(from).split('\n').filter((l) => l.trim() !== '');
    const earlier = (l: string) => l.startsWith('{') && (JSON.parse(l) as { time: number }).time < killedAt;
    const after = lines.filter((l) => !earlier(l));
    // It runs with --log-level warn: any line now is a warning or an error, and stderr must stay quiet too.
    expect(after, 'output after SIGTERM').toEqual([]);
    expect({ code, signal }).toEqual({ code: 0, signal: null });
  });
});
