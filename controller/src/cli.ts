#!/usr/bin/env node
/**
 * Operator commands.
 *   caideng-admin credentials [--data-dir DIR] [--compound ID] [--role group|kiosk|bridge|monitor] [--format table|json|env]
 * Prints the device credentials from the provisioning file (mode 0600, in the data directory).
 */
import { parseArgs } from 'node:util';
import { readProvisioning, provisioningPath } from './credentials/provisioning.js';

function credentials(argv: string[]): number {
  const { values } = parseArgs({
    args: argv,
    options: {
      'data-dir': { type: 'string', default: process.env.CAIDENG_DATA_DIR ?? 'var/data' },
      compound: { type: 'string' },
      role: { type: 'string' },
      format: { type: 'string', default: 'table' },
    },
    strict: true,
  });
  const dataDir = values['data-dir']!;
  const file = readProvisioning(dataDir);
  if (!file) {
    process.stderr.write(`no provisioning file at ${provisioningPath(dataDir)}: start the controller once to issue credentials\n`);
    return 1;
  }
  const devices = file.devices.filter((d) => (!values.compound || d.compound === values.compound) && (!values.role || d.role === values.role));
  if (values.compound && devices.length === 0) {
    process.stderr.write(`no credentials for compound '${values.compound}'\n`);
    return 1;
  }
  switch (values.format) {
    case 'json':
      process.stdout.write(JSON.stringify({ ...file, devices }, null, 2) + '\n');
      return 0;
    case 'env': {
      const d = devices[0];
      if (!d) return 1;
      process.stdout.write(`CAIDENG_MQTT_URL=${file.mqtt.url}\nCAIDENG_MQTT_USERNAME=${d.username}\nCAIDENG_MQTT_PASSWORD=${d.password}\n`);
      return 0;
    }
    case 'table': {
      process.stdout.write(`MQTT ${file.mqtt.url}${file.operator ? `\nHTTP operator token: ${file.operator.token}` : ''}\n\n`);
      const w = Math.max(8, ...devices.map((d) => d.username.length));
      process.stdout.write(`${'username'.padEnd(w)}  password\n`);
      for (const d of devices) process.stdout.write(`${d.username.padEnd(w)}  ${d.password}\n`);
      return 0;
    }
    default:
      process.stderr.write(`unknown --format '${values.format}': use table, json or env\n`);
      return 2;
  }
}

const [command, ...rest] = process.argv.slice(2);
const commands: Record<string, (argv: string[]) => number> = { credentials };
const run = command ? commands[command] : undefined;
if (!run) {
  process.stderr.write('usage: caideng-admin credentials [--data-dir DIR] [--compound ID] [--role ROLE] [--format table|json|env]\n');
  process.exit(2);
}
try {
  process.exit(run(rest));
} catch (err) {
  process.stderr.write(`caideng-admin: ${(err as Error).message}\n`);
  process.exit(2);
}
