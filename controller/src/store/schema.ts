/** Table types of the store. Times are epoch milliseconds (bigint-safe integers); JSON is stored as text. */
import type { Generated } from 'kysely';
export interface AreaTable {
  id: string;
  level: 'city' | 'county' | 'street' | 'community';
  parent_id: string | null;
  name: string;
  name_en: string | null;
}

export interface CompoundTable {
  id: string;
  community_id: string;
  name: string;
  name_en: string | null;
  retired: number;
}

export interface LanternGroupTable {
  compound_id: string;
  id: string;
  name: string;
  name_en: string | null;
  lantern: string | null;
  fixture: string;
  channels: number;
  rated_watts: number;
  retired: number;
}

export interface KioskTable {
  compound_id: string;
  id: string;
  name: string;
  name_en: string | null;
  retired: number;
}

export interface CredentialTable {
  username: string;
  compound_id: string;
  role: string;
  device_id: string;
  salt: string;
  secret_hash: string;
  created_at: number;
  rotated_at: number | null;
  /** Set when the operator revoked the credential; the hash is cleared then. */
  revoked_at: number | null;
}

export interface DeviceStatusTable {
  username: string;
  online: number;
  since: number;
  state_json: string | null;
  watts: number | null;
  faults_json: string | null;
  seen_at: number | null;
}

export interface CommandTable {
  id: string;
  compound_id: string;
  issued_at: number;
  body_json: string;
  targets: number;
  /** Who issued it (0004): `manual`, `schedule`, `alert`, `api`; null for commands stored before sources were kept. */
  source: 'manual' | 'schedule' | 'alert' | 'api' | null;
  /** A username, a rule id, 'operator-token' (0004); null as for `source`. */
  issuer: string | null;
}

export interface CommandDeliveryTable {
  command_id: string;
  compound_id: string;
  group_id: string;
  status: 'sent' | 'ok' | 'error' | 'expired' | 'duplicate' | 'timeout';
  sent_at: number;
  acked_at: number | null;
  code: string | null;
  error: string | null;
  /** When the delivery reached its outcome (ack, timeout, expiry) (0004); null while `sent`. */
  settled_at: number | null;
}

export interface TelemetryTable {
  compound_id: string;
  group_id: string;
  ts: number;
  received_at: number;
  watts: number;
  temperature_c: number | null;
  energy_wh: number | null;
  faults_json: string | null;
}

export interface KioskPressTable {
  compound_id: string;
  kiosk_id: string;
  /** The event's `boot` id, '' when it had none (0004; part of the key, so it cannot be null). */
  boot: string;
  seq: number;
  /** 0 for the first press stored under (compound, kiosk, boot, seq); 1, 2, … for presses that reused the key (0004). */
  variant: number;
  button: string;
  device_ts: number;
  received_at: number;
}

export interface RejectionTable {
  id: string;
  ts: number;
  username: string | null;
  topic: string;
  code: string;
  reason: string;
}

export interface SecretTable {
  name: string;
  salt: string;
  secret_hash: string;
  created_at: number;
}

export interface Database {
  areas: AreaTable;
  compounds: CompoundTable;
  lantern_groups: LanternGroupTable;
  kiosks: KioskTable;
  credentials: CredentialTable;
  device_status: DeviceStatusTable;
  commands: CommandTable;
  command_deliveries: CommandDeliveryTable;
  telemetry: TelemetryTable;
  kiosk_presses: KioskPressTable;
  rejections: RejectionTable;
  secrets: SecretTable;
  scenes: SceneTable;
  deadlines: DeadlineTable;
  store_writers: StoreWriterTable;
  users: UserTable;
  api_tokens: ApiTokenTable;
  sessions: SessionTable;
  audit: AuditTable;
}

export interface SceneTable {
  name: string;
  title_zh: string | null;
  title_en: string | null;
  body_json: string;
  revision: number;
  created_at: number;
  updated_at: number;
}

export interface DeadlineTable {
  key: string;
  kind: string;
  /** New for every schedule(), so a completing attempt never touches the row that replaced it. */
  token: string;
  due_at: number;
  next_at: number;
  payload_json: string;
  status: 'pending' | 'running' | 'fired' | 'failed';
  attempts: number;
  created_at: number;
  claimed_at: number | null;
  finished_at: number | null;
  last_error: string | null;
}

/** A background writer's progress: `run` is the writer's instance, `stored` the rows it has stored in that run. */
export interface StoreWriterTable {
  writer: string;
  run: string;
  stored: number;
}

export interface UserTable {
  username: string;
  display_name: string;
  role: string;
  /** JSON array of registry node ids. */
  scopes: string;
  /** scrypt$N$r$p$salt$hash (auth/passwords.ts). */
  password_hash: string;
  disabled: number;
  created_at: number;
  updated_at: number;
  password_changed_at: number;
  last_login_at: number | null;
}

export interface ApiTokenTable {
  id: string;
  username: string;
  name: string;
  salt: string;
  hash: string;
  created_at: number;
  last_used_at: number | null;
  expires_at: number | null;
}

export interface SessionTable {
  /** SHA-256 of the session id: the store alone does not give anyone a live session. */
  id_hash: string;
  username: string;
  created_at: number;
  last_seen: number;
  /** The session object (@fastify/session), JSON. */
  data: string;
}

export interface AuditTable {
  id: Generated<number>;
  ts: number;
  actor: string | null;
  role: string | null;
  via: string | null;
  ip: string;
  action: string;
  target: string | null;
  compound: string | null;
  outcome: string;
  status: number;
  detail: string | null;
}

/** A schedule rule (0009): the RuleBody as JSON, with who made it; `revision` counts its saves. */
export interface ScheduleRuleTable {
  id: string;
  revision: number;
  name: string;
  kind: string;
  body_json: string;
  created_by: string;
  created_at: number;
  updated_at: number;
}

/** A manual override ("play X for 30 minutes", 0009); `ended_at` is set when it expired or was ended early. */
export interface ScheduleOverrideTable {
  id: string;
  compound_id: string;
  /** What it plays: { groups?, scene?, power?, brightness? }. */
  body_json: string;
  from_at: number;
  until_at: number;
  created_by: string;
  breaks_curfew: number;
  ended_at: number | null;
  created_at: number;
}

export interface ScheduleMetaTable {
  key: string;
  value: string;
}

// The scheduler's tables (declaration merging keeps each feature's tables in its own block).
export interface Database {
  schedule_rules: ScheduleRuleTable;
  schedule_overrides: ScheduleOverrideTable;
  schedule_meta: ScheduleMetaTable;
}
