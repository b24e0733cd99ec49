/** Small statistics helpers for the benchmark: percentiles over recorded samples. */
export function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return Number.NaN;
  const i = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[i]!;
}

export function summary(samples: number[]): { n: number; p50: number; p99: number; max: number } {
  const s = [...samples].sort((a, b) => a - b);
  return { n: s.length, p50: round(percentile(s, 50)), p99: round(percentile(s, 99)), max: round(s[s.length - 1] ?? Number.NaN) };
}

export function median(values: number[]): number {
  return percentile([...values].sort((a, b) => a - b), 50);
}

export function round(v: number, digits = 2): number {
  const f = 10 ** digits;
  return Math.round(v * f) / f;
}

export function readRssBytes(pid: number): Promise<number> {
  return import('node:fs/promises').then(async ({ readFile }) => {
    const status = await readFile(`/proc/${pid}/status`, 'utf8');
    const m = /VmRSS:\s+(\d+) kB/.exec(status);
    return m ? Number(m[1]) * 1024 : Number.NaN;
  });
}

/**
 * Scheduler figures of a process's main thread (its thread id is the pid), from /proc: time on a CPU and
 * time runnable but waiting for one, in ms. The second tells a stall of the machine from work of the process.
 */
export async function mainThreadSched(pid: number): Promise<{ onCpuMs: number; waitingMs: number }> {
  const { readFile } = await import('node:fs/promises');
  const [run, wait] = (await readFile(`/proc/${pid}/task/${pid}/schedstat`, 'utf8')).split(' ').map(Number);
  return { onCpuMs: run! / 1e6, waitingMs: wait! / 1e6 };
}

/** CPU seconds (user + system) a process has used so far, from /proc. */
export async function cpuTimes(pid: number): Promise<number> {
  const { readFile } = await import('node:fs/promises');
  const stat = await readFile(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  const ticks = Number(fields[11]) + Number(fields[12]);
  return ticks / 100;
}

/**
 * Asks a process started with `--inspect=127.0.0.1:0` to run a full garbage collection, through the
 * inspector protocol, so an RSS reading reflects live memory rather than garbage not yet collected.
 */
export async function collectGarbage(inspectorUrl: string): Promise<void> {
  const { WebSocket } = await import('ws');
  await new Promise<void>((resolve, reject) => {
    const ws = new WebSocket(inspectorUrl);
    ws.once('open', () => ws.send(JSON.stringify({ id: 1, method: 'HeapProfiler.collectGarbage' })));
    ws.on('message', (data) => {
      if ((JSON.parse(String(data)) as { id?: number }).id === 1) {
        ws.close();
        resolve();
      }
    });
    ws.once('error', reject);
  });
}

/** Starts the V8 CPU profiler in the measured process through its inspector; `stop()` returns the profile JSON. */
export async function startProfile(inspectorUrl: string): Promise<{ stop(): Promise<string> }> {
  const { WebSocket } = await import('ws');
  const ws = new WebSocket(inspectorUrl);
  let id = 0;
  const pending = new Map<number, (result: unknown) => void>();
  ws.on('message', (data) => {
    const msg = JSON.parse(String(data)) as { id?: number; result?: unknown };
    if (msg.id !== undefined) pending.get(msg.id)?.(msg.result);
  });
  await new Promise<void>((resolve, reject) => {
    ws.once('open', () => resolve());
    ws.once('error', reject);
  });
  const call = (method: string, params: object = {}) =>
    new Promise<unknown>((resolve) => {
      const n = ++id;
      pending.set(n, resolve);
      ws.send(JSON.stringify({ id: n, method, params }));
    });
  await call('Profiler.enable');
  await call('Profiler.setSamplingInterval', { interval: 200 });
  await call('Profiler.start');
  return {
    stop: async () => {
      const result = (await call('Profiler.stop')) as { profile: unknown };
      ws.close();
      return JSON.stringify(result.profile);
    },
  };
}
