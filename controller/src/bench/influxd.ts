/**
 * A real influxd (Debian's `influxdb` package, 1.6.x) for the tests and the metrics benchmark: free ports for its HTTP API and its
 * RPC bind address, a temporary data directory and config, stopped (and removed) after. `stop()` and
 * `start()` again on the same ports and data simulate an outage.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export interface Influxd {
  url: string;
  port: number;
  dir: string;
  /** Whether the process is running. */
  readonly running: boolean;
  /** Stops influxd (SIGTERM, then SIGKILL), keeping its data. */
  stop(): Promise<void>;
  /** Starts it again on the same ports and data; resolves when /ping answers. */
  start(): Promise<void>;
  /** Freezes the process (SIGSTOP): connections are accepted by the kernel but nothing answers, a slow server. */
  pause(): void;
  /** Lets a paused influxd run again (SIGCONT). */
  resume(): void;
  /** Stops it and removes its data. */
  dispose(): Promise<void>;
  /** Runs an InfluxQL statement with the admin user (when auth is on). */
  query(q: string, db?: string): Promise<unknown>;
}

export const INFLUXD = process.env.CAIDENG_INFLUXD ?? '/usr/bin/influxd';
export const ADMIN = { username: 'admin', password: 'caideng-test-admin' };

async function freePort(): Promise<number> {
  const srv = createServer();
  srv.listen(0, '127.0.0.1');
  await once(srv, 'listening');
  const port = (srv.address() as { port: number }).port;
  await new Promise((r) => srv.close(r));
  return port;
}

export async function startInfluxd(options: { auth?: boolean } = {}): Promise<Influxd> {
  const dir = mkdtempSync(join(tmpdir(), 'caideng-influxd-'));
  const [port, rpc] = [await freePort(), await freePort()];
  const config = join(dir, 'influxdb.conf');
  writeFileSync(
    config,
    `reporting-disabled = true
bind-address = "127.0.0.1:${rpc}"
[meta]
  dir = "${join(dir, 'meta')}"
  logging-enabled = false
[data]
  dir = "${join(dir, 'data')}"
  wal-dir = "${join(dir, 'wal')}"
  query-log-enabled = false
  wal-fsync-delay = "0s"
[coordinator]
  log-queries-after = "0s"
[retention]
  check-interval = "30m"
[monitor]
  store-enabled = false
[http]
  enabled = true
  bind-address = "127.0.0.1:${port}"
  auth-enabled = ${options.auth ? 'true' : 'false'}
  log-enabled = false
  write-tracing = false
  max-body-size = 0
[continuous_queries]
  enabled = true
  log-enabled = false
[subscriber]
  enabled = false
`,
  );
  const url = `http://127.0.0.1:${port}`;
  let child: ChildProcess | null = null;
  let exited: Promise<unknown> | null = null;
  let stderr = '';

  const ping = async () => {
    try {
      return (await fetch(`${url}/ping`)).status === 204;
    } catch {
      return false;
    }
  };
  const auth = options.auth ? `&u=${ADMIN.username}&p=${ADMIN.password}` : '';
  const query = async (q: string, db?: string) => {
    const res = await fetch(`${url}/query?q=${encodeURIComponent(q)}${db ? `&db=${db}` : ''}${auth}`, { method: 'POST' });
    const body = (await res.json()) as { results?: Array<{ error?: string }>; error?: string };
    if (!res.ok || body.error || body.results?.some((r) => r.error)) throw new Error(`influxd query ${q}: ${JSON.stringify(body)}`);
    return body;
  };

  const start = async () => {
    stderr = '';
    const c = spawn(INFLUXD, ['run', '-config', config], { stdio: ['ignore', 'ignore', 'pipe'], env: { ...process.env, INFLUXDB_DATA_QUERY_LOG_ENABLED: 'false' } });
    child = c;
    c.stderr!.on('data', (d: Buffer) => {
      if (stderr.length < 20_000) stderr += d.toString();
    });
    exited = once(c, 'exit');
    const deadline = Date.now() + 30_000;
    for (;;) {
      if (c.exitCode !== null) throw new Error(`influxd exited with ${c.exitCode}: ${stderr.slice(-2000)}`);
      if (await ping()) break;
      if (Date.now() > deadline) throw new Error(`influxd did not answer /ping within 30 s: ${stderr.slice(-2000)}`);
      await new Promise((r) => setTimeout(r, 50));
    }
  };
  const stop = async () => {
    const c = child;
    if (!c || c.exitCode !== null) return;
    c.kill('SIGCONT');
    c.kill('SIGTERM');
    const timer = setTimeout(() => c.kill('SIGKILL'), 10_000);
    await exited;
    clearTimeout(timer);
    child = null;
  };

  await start();
  if (options.auth) {
    // With auth on and no user yet, influxd lets the first admin be created without credentials.
    const res = await fetch(`${url}/query?q=${encodeURIComponent(`CREATE USER ${ADMIN.username} WITH PASSWORD '${ADMIN.password}' WITH ALL PRIVILEGES`)}`, { method: 'POST' });
    if (!res.ok) throw new Error(`could not create the influxd admin: ${await res.text()}`);
  }
  return {
    url,
    port,
    dir,
    get running() {
      return child !== null && child.exitCode === null;
    },
    stop,
    start,
    query,
    pause: () => void child?.kill('SIGSTOP'),
    resume: () => void child?.kill('SIGCONT'),
    async dispose() {
      await stop();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
