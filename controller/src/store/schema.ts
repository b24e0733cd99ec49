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
  /** 0011_feedback: how the feedback engine classified the press (null until it has). */
  repeat: number | null;
  misuse: number | null;
  ticket: string | null;
  /** What was lit in the compound at the press (features/feedback `Lit`), JSON. */
  lit_json: string | null;
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
  lit_history: LitHistoryTable;
  feedback_alerts: FeedbackAlertTable;
  tickets: TicketTable;
  kiosk_page_codes: KioskPageCodeTable;
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

/** 0011_feedback: one row per change of a lantern group's power, brightness, scene, online or faults. */
export interface LitHistoryTable {
  compound_id: string;
  group_id: string;
  at: number;
  online: number;
  power: string | null;
  brightness: number | null;
  scene: string | null;
  faults_json: string | null;
}

export interface FeedbackAlertTable {
  id: string;
  compound_id: string;
  kiosk_id: string | null;
  kind: string;
  raised_at: number;
  state: string;
  lit_json: string;
  scene: string | null;
  brightness: number | null;
  groups_json: string;
  presses: number;
  actions_json: string;
  ticket: string | null;
  message_json: string;
}

export interface TicketTable {
  code: string;
  compound_id: string;
  kiosk_id: string | null;
  group_id: string | null;
  kind: string;
  state: string;
  level: string;
  node: string;
  count: number;
  opened_at: number;
  updated_at: number;
  /** When the ticket reached its current level (or was sent back to it). */
  level_since: number;
  deadline_at: number | null;
  warn_at: number | null;
  /** While waiting: when the clock stopped, and the working time that was left. */
  paused_at: number | null;
  remaining_ms: number | null;
  confirmed: string | null;
  proposal: string | null;
  /** Since when the ticket's group reports healthy telemetry (broken lanterns confirmed by telemetry). */
  healthy_since: number | null;
  alert_id: string | null;
  history_json: string;
}

export interface KioskPageCodeTable {
  /** SHA-256 of the one-time code. */
  code_hash: string;
  compound_id: string;
  kiosk_id: string;
  created_at: number;
  expires_at: number;
  used_at: number | null;
}
