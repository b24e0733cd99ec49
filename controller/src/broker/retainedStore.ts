/**
 * aedes's in-memory persistence with an indexed retained store. The stock one answers every SUBSCRIBE by
 * testing the filter against every retained message (`retainedMessagesByPattern` in aedes-persistence's
 * asyncPersistence.js): a city of 40,000 devices, each holding two retained messages and subscribing to its
 * own topics, costs 40,000 × 80,000 pattern tests to reconnect. Here retained messages sit in a trie over
 * topic levels, so a lookup walks only the branches its filter can match: `caideng/v1/{compound}/group/{id}/#`
 * visits its six levels and the device's own messages. Everything else (subscriptions, queues, wills) is the
 * stock class, unchanged. Matching follows the stock store exactly (qlobber's: `#` matches zero or more
 * levels, `+` exactly one non-empty level, `$` topics get no special case); a lookup with several filters returns a message
 * once even if more than one of them matches it.
 */
import { createRequire } from 'node:module';
import { Readable } from 'node:stream';

/** What aedes stores: a PUBLISH packet. */
export interface RetainedPacket {
  topic: string;
  payload: Buffer | string;
  [key: string]: unknown;
}

/** The stock in-memory persistence of aedes-persistence (CommonJS, typed here to the part we use). */
interface AsyncMemoryPersistence {
  setup(broker: unknown): Promise<void>;
  storeRetained(packet: RetainedPacket): Promise<void>;
  createRetainedStream(pattern: string): Readable;
  createRetainedStreamCombi(patterns: string[]): Readable;
  destroy(): Promise<void>;
}
type AsyncMemoryPersistenceClass = new (opts?: Record<string, unknown>) => AsyncMemoryPersistence;

const require = createRequire(import.meta.url);
const AsyncMemory = require('aedes-persistence/asyncPersistence.js') as AsyncMemoryPersistenceClass;

const SEPARATOR = '/';
const ONE = '+';
const SOME = '#';

interface TrieNode {
  children: Map<string, TrieNode> | null;
  packet: RetainedPacket | null;
}

/** How much the retained lookups have cost so far: a test counts them, /api/metrics may show them. */
export interface RetainedLookupCounters {
  /** Filters looked up (one per filter of a SUBSCRIBE). */
  patterns: number;
  /** Trie nodes visited. */
  nodesVisited: number;
  /** Retained messages looked at: with the trie, each one matches. */
  packetsExamined: number;
  /** Retained messages returned. */
  packetsReturned: number;
}

const newNode = (): TrieNode => ({ children: null, packet: null });

/** A trie of retained messages by topic level. */
export class RetainedTrie {
  private readonly root = newNode();
  private count = 0;
  readonly counters: RetainedLookupCounters = { patterns: 0, nodesVisited: 0, packetsExamined: 0, packetsReturned: 0 };

  get size(): number {
    return this.count;
  }

  /** Keeps `packet` as its topic's retained message. */
  set(packet: RetainedPacket): void {
    let node = this.root;
    for (const level of packet.topic.split(SEPARATOR)) {
      node.children ??= new Map();
      let child = node.children.get(level);
      if (!child) node.children.set(level, (child = newNode()));
      node = child;
    }
    if (!node.packet) this.count++;
    node.packet = packet;
  }

  /** Forgets a topic's retained message, and the branch that held only it. */
  delete(topic: string): void {
    const levels = topic.split(SEPARATOR);
    const path: TrieNode[] = [this.root];
    let node = this.root;
    for (const level of levels) {
      const child = node.children?.get(level);
      if (!child) return;
      path.push(child);
      node = child;
    }
    if (!node.packet) return;
    node.packet = null;
    this.count--;
    for (let i = levels.length; i > 0; i--) {
      const n = path[i]!;
      if (n.packet || (n.children && n.children.size > 0)) break;
      const parent = path[i - 1]!;
      parent.children!.delete(levels[i - 1]!);
      if (parent.children!.size === 0) parent.children = null;
    }
  }

  /** Retained messages matching `pattern`, lazily. */
  *match(pattern: string): Generator<RetainedPacket> {
    this.counters.patterns++;
    yield* this.walk(this.root, pattern.split(SEPARATOR), 0);
  }

  /** Retained messages matching any of `patterns`, each once. */
  *matchAny(patterns: readonly string[]): Generator<RetainedPacket> {
    if (patterns.length === 1) return yield* this.match(patterns[0]!);
    const seen = new Set<RetainedPacket>();
    for (const p of patterns) {
      for (const packet of this.match(p)) {
        if (seen.has(packet)) continue;
        seen.add(packet);
        yield packet;
      }
    }
  }

  private *walk(node: TrieNode, levels: readonly string[], i: number): Generator<RetainedPacket> {
    this.counters.nodesVisited++;
    if (i === levels.length) {
      if (node.packet) yield this.found(node.packet);
      return;
    }
    const level = levels[i]!;
    if (level === SOME) {
      // `a/#` matches `a` and everything below it; a `#` before the last level (not valid MQTT, but the stock
      // matcher allows it) matches zero or more levels before the rest of the filter.
      if (i === levels.length - 1) yield* this.subtree(node, true);
      else for (const n of this.nodes(node)) yield* this.walk(n, levels, i + 1);
      return;
    }
    if (!node.children) return;
    if (level === ONE) {
      // As qlobber (and so aedes's live matching): `+` matches one non-empty level.
      for (const [key, child] of node.children) if (key !== '') yield* this.walk(child, levels, i + 1);
      return;
    }
    const child = node.children.get(level);
    if (child) yield* this.walk(child, levels, i + 1);
  }

  /** Every packet in a subtree (its root counted as visited already when `visited`). */
  private *subtree(node: TrieNode, visited: boolean): Generator<RetainedPacket> {
    if (!visited) this.counters.nodesVisited++;
    if (node.packet) yield this.found(node.packet);
    if (node.children) for (const child of node.children.values()) yield* this.subtree(child, false);
  }

  /** A node and all its descendants. */
  private *nodes(node: TrieNode): Generator<TrieNode> {
    yield node;
    if (node.children) for (const child of node.children.values()) yield* this.nodes(child);
  }

  private found(packet: RetainedPacket): RetainedPacket {
    this.counters.packetsExamined++;
    this.counters.packetsReturned++;
    return packet;
  }
}

/**
 * The stock memory persistence with its retained messages in a RetainedTrie. Pass an instance to aedes as
 * `persistence` (aedes 1.x calls the async API directly).
 */
export class IndexedRetainedPersistence extends AsyncMemory {
  private retainedTrie: RetainedTrie | null = new RetainedTrie();

  /** Lookup costs, for tests and metrics. */
  get retainedCounters(): RetainedLookupCounters {
    return this.trie.counters;
  }

  get retainedCount(): number {
    return this.trie.size;
  }

  override async storeRetained(pkt: RetainedPacket): Promise<void> {
    // A copy, as the stock store keeps: the caller may reuse or change its packet object.
    const packet = Object.assign({}, pkt);
    if (packet.payload.length === 0) this.trie.delete(packet.topic);
    else this.trie.set(packet);
  }

  override createRetainedStream(pattern: string): Readable {
    return Readable.from(this.trie.match(pattern));
  }

  override createRetainedStreamCombi(patterns: string[]): Readable {
    return Readable.from(this.trie.matchAny(patterns));
  }

  override async destroy(): Promise<void> {
    await super.destroy();
    this.retainedTrie = null;
  }

  private get trie(): RetainedTrie {
    if (!this.retainedTrie) throw new Error('persistence destroyed');
    return this.retainedTrie;
  }
}
