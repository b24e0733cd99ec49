/** The deployment files are valid: docker-compose.yml for Debian's docker-compose, and the controller config it mounts. */
import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { resolveConfig } from '@caideng/controller';

const run = promisify(execFile);
const root = fileURLToPath(new URL('..', import.meta.url));

describe('deployment', () => {
  it('docker-compose.yml is valid and defines the controller and InfluxDB 1.8 with data volumes', async () => {
    const env = { ...process.env, INFLUXDB_ADMIN_PASSWORD: 'test-admin', INFLUXDB_WRITE_PASSWORD: 'test-writer' };
    await run('docker-compose', ['-f', 'docker-compose.yml', 'config', '-q'], { cwd: root, env });
    const { stdout } = await run('docker-compose', ['-f', 'docker-compose.yml', 'config'], { cwd: root, env });
    expect(stdout).toContain('image: influxdb:1.8');
    expect(stdout).toMatch(/CAIDENG_INFLUX_PASSWORD: test-admin/);
    expect(stdout).toMatch(/caideng-data:\/var\/lib\/caideng|target: \/var\/lib\/caideng/);
    expect(stdout).toMatch(/influxdb-data:\/var\/lib\/influxdb|target: \/var\/lib\/influxdb/);
  });

  it('refuses to start InfluxDB without its passwords (no secrets in the repository)', async () => {
    const env = { ...process.env };
    delete env.INFLUXDB_ADMIN_PASSWORD;
    delete env.INFLUXDB_WRITE_PASSWORD;
    await expect(run('docker-compose', ['-f', 'docker-compose.yml', 'config', '-q'], { cwd: root, env })).rejects.toThrow(/INFLUXDB_ADMIN_PASSWORD/);
  });

  it('the mounted controller config passes the config schema, and the image builds and runs on Node 24 LTS', () => {
    const config = resolveConfig(JSON.parse(readFileSync(`${root}/deploy/controller.json`, 'utf8')));
    expect(config.dataDir).toBe('/var/lib/caideng');
    // Time series go to the compose file's InfluxDB; its password comes from the environment.
    expect(config.metrics).toMatchObject({ backend: 'influx', influx: { url: 'http://influxdb:8086', database: 'caideng' } });
    expect(config.metrics.influx?.password).toBeUndefined();
    const stages = readFileSync(`${root}/Dockerfile`, 'utf8').match(/^FROM \S+/gm);
    expect(stages).toEqual(['FROM node:24-bookworm-slim', 'FROM node:24-bookworm-slim']);
  });
});
