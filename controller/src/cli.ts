#!/usr/bin/env node
/**
 * Operator commands (`npm run credentials -- …` runs `caideng-admin credentials …`); see USAGE.
 * Output is written in full before the process ends: the exit code is set and the process ends on its own
 * once stdout has drained (process.exit() would cut a piped answer at the pipe's 64 KiB).
 */
import { parseArgs, type ParseArgsConfig } from 'node:util';
import { Compile } from 'typebox/compile';
import type { TSchema } from 'typebox';
import { CaidengError, USER_ROLES, USERNAME_PATTERN, parseDeviceUsername } from '@caideng/protocol';
import { readProvisioning, provisioningPath, type ProvisionedUser, type ProvisioningFile } from './credentials/provisioning.js';
import { revokeOffline, rotateOffline } from './credentials/offline.js';
import { withAccounts } from './auth/offline.js';
import { RevokedAnswer, RotatedAnswer } from './credentials/schemas.js';

const USAGE = `Usage: caideng-admin credentials [options]             print the device credentials and generated user passwords
       caideng-admin credentials rotate DEVICE [options]  issue DEVICE a new secret
       caideng-admin credentials revoke DEVICE [options]  remove DEVICE's credential
       caideng-admin users list [options]                 the people who can sign in
       caideng-admin users add USER --role ROLE [--scope ID]... [--name NAME]
                                                          a new user with a generated password (printed once)
       caideng-admin users passwd USER                    a new generated password for USER (their sessions end)
       caideng-admin users disable USER | enable USER     refuse or re-admit USER (sessions end at once)

DEVICE is an MQTT username, {compound}/{role}/{device}, e.g. xinghe-jiayuan/group/g01.
Rotating or revoking ends the device's live sessions at once; a revoked device is refused until it is
rotated. With a controller running (at http.url of the provisioning file) the change goes through its
API; with none, it is made in the store of the data directory and the next start uses it.

  --data-dir DIR          the controller's data directory (default $CAIDENG_DATA_DIR or var/data)
  --compound ID           only this compound (listing)
  --role ROLE             only group, kiosk, bridge or monitor accounts (listing); for users: staff, officer, committee or admin
  --users                 only the users with generated passwords (listing)
  --scope ID              a registry node the user acts in (a compound, community, street, the county); repeatable
  --name NAME             the user's display name
  --format FORMAT         table (default), json, or env (listing: the first match as shell variables)

USER is a username (lower case letters, digits, . _ -). Users are changed in the store of the data
directory; a running controller sees the change at the user's next request. Passwords a user chose
are never shown: only generated ones, until their user changes them.
  -h, --help              this text
`;

class UsageError extends Error {}

const out = (text: string) => void process.stdout.write(text);
const err = (text: string) => void process.stderr.write(text);

/** parseArgs, with its errors (a TypeError with a stack) turned into one line for the operator. */
function parse<T extends ParseArgsConfig>(config: T): ReturnType<typeof parseArgs<T>> {
  try {
    return parseArgs(config);
  } catch (e) {
    const code = (e as { code?: string }).code ?? '';
    if (!code.startsWith('ERR_PARSE_ARGS')) throw e;
    const unknown = /Unknown option '([^']+)'/.exec((e as Error).message);
    throw new UsageError(unknown ? `unknown option '${unknown[1]}'` : (e as Error).message.split('\n')[0]!);
  }
}

const common = {
  'data-dir': { type: 'string', default: process.env.CAIDENG_DATA_DIR ?? 'var/data' },
  format: { type: 'string', default: 'table' },
  help: { type: 'boolean', short: 'h' },
} as const;

function loadFile(dataDir: string): ProvisioningFile | null {
  const file = readProvisioning(dataDir);
  if (!file) err(`no provisioning file at ${provisioningPath(dataDir)}: start the controller once to issue credentials\n`);
  return file;
}

async function credentials(argv: string[]): Promise<number> {
  if (argv[0] === 'rotate' || argv[0] === 'revoke') return change(argv[0], argv.slice(1));
  const { values, positionals } = parse({
    args: argv,
    options: { ...common, compound: { type: 'string' }, role: { type: 'string' }, users: { type: 'boolean' } },
    allowPositionals: true,
    strict: true,
  });
  if (values.help) return (out(USAGE), 0);
  if (positionals.length > 0) throw new UsageError(`unknown command 'credentials ${positionals[0]}': use rotate or revoke`);
  const file = loadFile(values['data-dir']);
  if (!file) return 1;
  const devices = file.devices.filter((d) => (!values.compound || d.compound === values.compound) && (!values.role || d.role === values.role));
  if (values.compound && devices.length === 0) {
    err(`no credentials for compound '${values.compound}'\n`);
    return 1;
  }
  const users = file.users ?? [];
  if (values.users) {
    if (values.format === 'json') out(JSON.stringify({ users }, null, 2) + '\n');
    else out(userTable(users));
    return 0;
  }
  switch (values.format) {
    case 'json':
      out(JSON.stringify({ ...file, devices, users }, null, 2) + '\n');
      return 0;
    case 'env': {
      const d = devices[0];
      if (!d) {
        err(`no credentials${values.role ? ` for role '${values.role}'` : ''} in ${provisioningPath(values['data-dir'])}\n`);
        return 1;
      }
      out(`CAIDENG_MQTT_URL=${file.mqtt.url}\nCAIDENG_MQTT_USERNAME=${d.username}\nCAIDENG_MQTT_PASSWORD=${d.password}\n`);
      return 0;
    }
    case 'table': {
      const w = Math.max(8, ...devices.map((d) => d.username.length));
      const lines = [`MQTT ${file.mqtt.url}${file.operator ? `\nHTTP operator token: ${file.operator.token}` : ''}\n`, `${'username'.padEnd(w)}  password`];
      for (const d of devices) lines.push(`${d.username.padEnd(w)}  ${d.password}`);
      out(lines.join('\n') + '\n' + (users.length > 0 ? `\nUsers (sign in at ${file.http?.url ?? 'the dashboard'}):\n${userTable(users)}` : ''));
      return 0;
    }
    default:
      throw new UsageError(`unknown --format '${values.format}': use table, json or env`);
  }
}

function userTable(users: ProvisionedUser[]): string {
  const w = Math.max(8, ...users.map((u) => u.username.length));
  return [`${'username'.padEnd(w)}  ${'password'.padEnd(19)}  role       scopes`, ...users.map((u) => `${u.username.padEnd(w)}  ${u.password.padEnd(19)}  ${u.role.padEnd(9)}  ${u.scopes.join(',')}`)].join('\n') + '\n';
}

/** `users list|add|passwd|disable|enable`: in the store of the data directory (see USAGE). */
async function users(argv: string[]): Promise<number> {
  const { values, positionals } = parse({
    args: argv,
    options: { ...common, role: { type: 'string' }, scope: { type: 'string', multiple: true }, name: { type: 'string' } },
    allowPositionals: true,
    strict: true,
  });
  if (values.help) return (out(USAGE), 0);
  const [action, username, ...extra] = positionals;
  if (extra.length > 0) throw new UsageError(`unexpected '${extra[0]}'`);
  const actions = ['list', 'add', 'passwd', 'disable', 'enable'];
  if (!action || !actions.includes(action)) throw new UsageError(`users needs one of ${actions.join(', ')}`);
  if (action !== 'list' && !username) throw new UsageError(`users ${action} needs a USER`);
  if (values.format !== 'table' && values.format !== 'json') throw new UsageError(`unknown --format '${values.format}': use table or json`);
  const role = values.role;
  if (action === 'add' && !USER_ROLES.includes(role as never)) throw new UsageError(`users add needs --role ${USER_ROLES.join('|')}`);
  return withAccounts(values['data-dir'], async (accounts, record) => {
    const show = (v: unknown, text: string) => out(values.format === 'json' ? JSON.stringify(v) + '\n' : text);
    switch (action) {
      case 'list': {
        const list = await accounts.list();
        const w = Math.max(8, ...list.map((u) => u.username.length));
        show(list, list.map((u) => `${u.username.padEnd(w)}  ${u.role.padEnd(9)}  ${u.disabled ? 'disabled' : 'enabled '}  ${u.scopes.join(',')}`).join('\n') + '\n');
        return 0;
      }
      case 'add': {
        if (!new RegExp(USERNAME_PATTERN).test(username!)) throw new UsageError(`'${username}' is not a username (lower case letters, digits, . _ -)`);
        const created = await accounts.create({ username: username!, role: role as never, scopes: values.scope ?? [], ...(values.name ? { displayName: values.name } : {}) });
        await record('user.create', username!, { role, scopes: values.scope ?? [] });
        show(created, `${username}  ${created.password}\n`);
        return 0;
      }
      case 'passwd': {
        const password = await accounts.setPassword(username!);
        await accounts.endSessions(username!);
        await record('user.password', username!, null);
        show({ username, password }, `${username}  ${password}\n`);
        return 0;
      }
      default: {
        const user = await accounts.update(username!, { disabled: action === 'disable' });
        if (action === 'disable') await accounts.endSessions(username!);
        await record(`user.${action}`, username!, null);
        show(user, `${username} ${action}d\n`);
        return 0;
      }
    }
  });
}

type Answer = RotatedAnswer | RevokedAnswer;
const checkRotated = Compile(RotatedAnswer as TSchema);
const checkRevoked = Compile(RevokedAnswer as TSchema);

/** `rotate DEVICE` / `revoke DEVICE`: through the running controller's API, or offline in its store. */
async function change(action: 'rotate' | 'revoke', argv: string[]): Promise<number> {
  const { values, positionals } = parse({ args: argv, options: common, allowPositionals: true, strict: true });
  if (values.help) return (out(USAGE), 0);
  if (values.format !== 'table' && values.format !== 'json') throw new UsageError(`unknown --format '${values.format}': use table or json`);
  if (positionals.length !== 1) throw new UsageError(`${action} takes one DEVICE ({compound}/{role}/{device})`);
  const username = positionals[0]!;
  const a = parseDeviceUsername(username);
  if (!a) throw new UsageError(`'${username}' is not a device username ({compound}/{role}/{device})`);
  const dataDir = values['data-dir'];
  const file = loadFile(dataDir);
  if (!file) return 1;

  const path = `/api/devices/${a.compound}/${a.role}/${a.device}/credentials${action === 'rotate' ? '/rotate' : ''}`;
  const online = await callController(file, action === 'rotate' ? 'POST' : 'DELETE', path, action === 'rotate' ? checkRotated : checkRevoked);
  let answer: Answer;
  if (online.reached) {
    answer = online.answer;
    err(`${action === 'rotate' ? 'rotated' : 'revoked'} ${username} on the controller at ${file.http!.url}; its sessions were closed\n`);
  } else {
    answer = action === 'rotate' ? await rotateOffline(dataDir, username) : await revokeOffline(dataDir, username);
    err(`${action === 'rotate' ? 'rotated' : 'revoked'} ${username} in the store at ${dataDir} (${online.why}); the next start uses it\n`);
  }
  if (values.format === 'json') out(JSON.stringify(answer) + '\n');
  else if ('password' in answer) out(`${answer.username}  ${answer.password}\n`);
  return 0;
}

type Reach = { reached: true; answer: Answer } | { reached: false; why: string };

/** Calls the controller named in the provisioning file. Only a refused connection counts as "no controller"; anything else is an error. */
async function callController(file: ProvisioningFile, method: string, path: string, check: { Check(v: unknown): boolean }): Promise<Reach> {
  const url = file.http?.url;
  const token = file.operator?.token;
  if (!url || !token) return { reached: false, why: 'the provisioning file names no controller' };
  let res: Response;
  try {
    res = await fetch(url + path, { method, headers: { authorization: `Bearer ${token}` }, signal: AbortSignal.timeout(15_000) });
  } catch (e) {
    const cause = (e as { cause?: { code?: string; message?: string } }).cause;
    if (cause?.code === 'ECONNREFUSED') return { reached: false, why: `no controller at ${url}` };
    throw new Error(`the controller at ${url} did not answer: ${cause?.message ?? (e as Error).message}`);
  }
  const body = (await res.json().catch(() => null)) as { code?: string; message?: string } | null;
  if (res.ok && check.Check(body)) return { reached: true, answer: body as unknown as Answer };
  if (body?.code && body.message) throw new Error(`${body.code}: ${body.message}`);
  throw new Error(`the controller at ${url} answered ${res.status} ${res.statusText}`);
}

async function main(argv: string[]): Promise<number> {
  // A reader that goes away (`| head`) is not an error of ours.
  process.stdout.on('error', (e: NodeJS.ErrnoException) => {
    if (e.code !== 'EPIPE') throw e;
  });
  const [command, ...rest] = argv;
  if (command === '--help' || command === '-h' || command === 'help') return (out(USAGE), 0);
  const commands: Record<string, (argv: string[]) => Promise<number>> = { credentials, users };
  const run = command ? commands[command] : undefined;
  try {
    if (!run) throw new UsageError(command ? `unknown command '${command}'` : 'no command given');
    return await run(rest);
  } catch (e) {
    if (e instanceof UsageError) {
      err(`caideng-admin: ${e.message} (see --help)\n`);
      return 2;
    }
    err(`caideng-admin: ${e instanceof CaidengError ? `${e.code}: ` : ''}${(e as Error).message}\n`);
    return 1;
  }
}

process.exitCode = await main(process.argv.slice(2));
