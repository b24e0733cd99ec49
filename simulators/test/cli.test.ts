import { execFile } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { CliUsageError, parseCliArgs, runCli, type County } from '@caideng/simulators';
import { Inbox, makeCredentials, startBroker, type TestBroker } from './helpers.js';

describe('parseCliArgs', () => {
  it('reads every flag', () => {
    const parsed = parseCliArgs([
      '--credentials', 'c.json', '--url', 'mqtt://127.0.0.1:1884', '--compounds', '2', '--groups-per-compound', '3',
      '--kiosks-per-compound', '1', '--telemetry-interval-ms', '1000', '--press-rate', '2.5', '--seed', '9',
      '--drop', 'a/group/g1', '--flap', 'a/group/g2:5', '--malformed-rate', '6', '--fault', 'a/group/g3:lamp_failure',
    ]);
    expect(parsed).toEqual({
      help: false,
      options: {
        credentials: 'c.json', url: 'mqtt://127.0.0.1:1884', compounds: 2, groupsPerCompound: 3, kiosksPerCompound: 1,
        telemetryIntervalMs: 1000, pressRatePerMinute: 2.5, seed: 9, connectConcurrency: 50, statsIntervalS: 60, logLevel: 'info',
        at: undefined, speed: undefined,
        faults: { drop: ['a/group/g1'], flap: [{ username: 'a/group/g2', everyS: 5 }], telemetryFaults: [{ username: 'a/group/g3', code: 'lamp_failure' }], malformedPerMinute: 6 },
      },
    });
  });

  it('takes the demo clock: --at with its zone, --speed', () => {
    const parsed = parseCliArgs(['--credentials', 'c.json', '--at', '2027-02-05T18:30+08:00', '--speed', '10']);
    expect(parsed).toMatchObject({ help: false, options: { at: Date.UTC(2027, 1, 5, 10, 30), speed: 10 } });
  });

  it.each([
    [[], /--credentials FILE is required/],
    [['--credentials', 'c', '--compounds', 'two'], /--compounds must be an integer >= 1, got 'two'/],
    [['--credentials', 'c', '--press-rate=-1'], /--press-rate must be a number >= 0/],
    [['--credentials', 'c', '--flap', 'a/group/g1'], /--flap expects USER:SECONDS/],
    [['--credentials', 'c', '--fault', 'a/group/g1:melted'], /unknown fault code 'melted'/],
    [['--credentials', 'c', '--drop', 'g1'], /'g1' is not a device username/],
    [['--credentials', 'c', '--url', 'localhost'], /--url must be a broker URL/],
    [['--credentials', 'c', '--colour', 'red'], /^unknown option '--colour'$/],
    [['--credentials', 'c', '--at', 'tonight'], /--at must be an ISO 8601 instant/],
    [['--credentials', 'c', '--speed', '0'], /--speed must be a number > 0/],
  ])('rejects %j with a clear message', (argv, message) => {
    expect(() => parseCliArgs(argv as string[])).toThrow(CliUsageError);
    expect(() => parseCliArgs(argv as string[])).toThrow(message);
  });

  it('reads a scenario, whose credentials default to the controller\'s file', () => {
    const parsed = parseCliArgs(['--scenario', 'feedback-night', '--speed', '1200']);
    expect(parsed.help === false && parsed.options).toMatchObject({ scenario: 'feedback-night', speed: 1200, credentials: 'var/data/credentials.json' });
    expect(() => parseCliArgs(['--scenario', 'carnival'])).toThrow(/--scenario must be one of feedback-night, got 'carnival'/);
    expect(() => parseCliArgs(['--scenario', 'feedback-night', '--speed', '0'])).toThrow(/--speed must be a number > 0/);
  });
});

describe('runCli', () => {
  let broker: TestBroker;
  let dir: string;
  const creds = makeCredentials({ compounds: ['xinghe-jiayuan', 'nanhu-yidu'], groups: 2, kiosks: 1 });

  beforeEach(async () => {
    broker = await startBroker(creds.devices);
    dir = await mkdtemp(join(tmpdir(), 'caideng-sim-'));
  });

  afterEach(async () => {
    await broker.close();
    await rm(dir, { recursive: true, force: true });
  });

  it('prints one "county connected" line, applies faults, and stops gracefully when told to', async () => {
    const file = join(dir, 'credentials.json');
    await writeFile(file, JSON.stringify(creds));
    const inbox = await Inbox.connect(broker.url, 'caideng/v1/+/+/+/availability');
    const lines: Array<Record<string, unknown>> = [];
    const stop = new AbortController();
    let county: County | undefined;
    let connected!: () => void;
    const isConnected = new Promise<void>((resolve) => (connected = resolve));
    const exitCode = runCli(['--credentials', file, '--url', broker.url, '--groups-per-compound', '1', '--drop', 'nanhu-yidu/group/g01', '--press-rate', '0'], {
      write: (line) => lines.push(JSON.parse(line) as Record<string, unknown>),
      signal: stop.signal,
      handleSignals: false,
      onConnected: (c) => {
        county = c;
        connected();
      },
    });
    await Promise.race([isConnected, exitCode.then((code) => Promise.reject(new Error(`exited early with ${code}: ${JSON.stringify(lines)}`)))]);
    const hello = lines.filter((l) => l['msg'] === 'county connected');
    expect(hello).toHaveLength(1);
    expect(hello[0]).toMatchObject({ devices: 4, groups: 2, kiosks: 2, compounds: 2, url: broker.url });
    await inbox.waitFor((m) => m.topic === 'caideng/v1/nanhu-yidu/group/g01/availability' && (m.json as { state: string }).state === 'offline');

    stop.abort();
    expect(await exitCode).toBe(0);
    expect(lines.at(-1)).toMatchObject({ msg: 'stopped', connected: 0, drops: 1 });
    expect(county!.counters().connected).toBe(0);
    await inbox.close();
  });

  it('exits 2 with one line on bad flags and 1 when the credentials cannot be read', async () => {
    const errors: string[] = [];
    const lines: string[] = [];
    expect(await runCli(['--seed', 'x', '--credentials', 'c'], { writeError: (t) => errors.push(t), write: (l) => lines.push(l), handleSignals: false })).toBe(2);
    expect(errors.join('')).toMatch(/^error: --seed must be an integer >= 0, got 'x' \(see --help\)\n$/);
    expect(await runCli(['--credentials', join(dir, 'missing.json')], { write: (l) => lines.push(l), handleSignals: false })).toBe(1);
    expect(JSON.parse(lines.at(-1)!)).toMatchObject({ level: 'error', err: { name: 'CredentialsError' } });
  });
});

describe('the sim command as a process', () => {
  const CLI = fileURLToPath(new URL('../dist/cli.js', import.meta.url));
  const run = (args: string[]) =>
    promisify(execFile)(process.execPath, [CLI, ...args]).then(
      ({ stdout, stderr }) => ({ code: 0, stdout, stderr }),
      (e: { code: number; stdout: string; stderr: string }) => e,
    );

  it('answers --help with its whole usage on stdout', async () => {
    const { code, stdout, stderr } = await run(['--help']);
    expect(code).toBe(0);
    expect(stderr).toBe('');
    expect(stdout).toMatch(/^Usage: node simulators\/dist\/cli.js --credentials FILE/);
    expect(stdout).toContain('USER is a device username');
  });

  it('refuses an unknown flag with one line and exit code 2, not a stack trace', async () => {
    const { code, stdout, stderr } = await run(['--credentials', 'c.json', '--colour', 'red']);
    expect(code).toBe(2);
    expect(stdout).toBe('');
    expect(stderr).toBe("error: unknown option '--colour' (see --help)\n");
  });
});
