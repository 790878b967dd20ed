// What keeps the shared store bounded, like the local stores: every kind of entry (a stored
// response, a conversation, a previous_response_id link, a conversation's reasoning, a session
// record) has its keys expire after a retention period since it was last written (or, for a
// conversation, used), and is held to a count and a size: past either, its least recently written
// entries go, whole. Each kind keeps an index (a sorted set: entry id → last write, ms) and the
// size of each entry (a hash, with the kind's total under "#total"); one Lua script updates both
// and evicts, atomically. Entries whose keys expired are dropped from the index the same way.

/** Every key the bridge writes starts with this. */
export const KEY_PREFIX = 'codex-bridge:';

export interface KindLimits {
  /** Entries kept, the least recently written going first. */
  maxCount: number;
  /** Their JSON's total size in bytes. */
  maxBytes: number;
  /** Keys expire this long after their last write. */
  retentionMs: number;
}

const DAY_MS = 86_400_000;
const MB = 1024 * 1024;

/** The defaults, documented in README.md ("Limits of the shared store"). */
export const DEFAULT_LIMITS = {
  responses: { maxCount: 50_000, maxBytes: 1024 * MB, retentionMs: 30 * DAY_MS },
  conversations: { maxCount: 10_000, maxBytes: 1024 * MB, retentionMs: 30 * DAY_MS },
  chains: { maxCount: 50_000, maxBytes: 1024 * MB, retentionMs: 30 * DAY_MS },
  reasoning: { maxCount: 10_000, maxBytes: 512 * MB, retentionMs: 30 * DAY_MS },
  sessions: { maxCount: 20_000, maxBytes: 256 * MB, retentionMs: 400 * DAY_MS },
} satisfies Record<string, KindLimits>;

export type KindName = keyof typeof DEFAULT_LIMITS;

/** The keys of each kind's entries: `codex-bridge:<kind>:<id><suffix>` for each suffix. */
const ENTRY_KEYS: Record<KindName, { name: string; suffixes: string[] }> = {
  responses: { name: 'response', suffixes: [''] },
  conversations: { name: 'conversation', suffixes: ['', ':items'] },
  chains: { name: 'chain', suffixes: [''] },
  reasoning: { name: 'reasoning', suffixes: [''] },
  sessions: { name: 'session', suffixes: [''] },
};

/** set: written, this big; measure: written, as big as its hash's "#bytes" says; touch: used, grown by this much; drop: gone. */
export type BoundedMode = 'set' | 'measure' | 'touch' | 'drop';

export class BoundedKind {
  readonly prefix: string;
  readonly index: string;
  readonly sizes: string;

  constructor(
    readonly kind: KindName,
    readonly limits: KindLimits = DEFAULT_LIMITS[kind],
  ) {
    this.prefix = `${KEY_PREFIX}${ENTRY_KEYS[kind].name}:`;
    this.index = `${KEY_PREFIX}index:${kind}`;
    this.sizes = `${KEY_PREFIX}sizes:${kind}`;
  }

  /** The main key of entry `id` (suffix ''), or another of its keys. */
  key(id: string, suffix = ''): string {
    return `${this.prefix}${id}${suffix}`;
  }

  /** KEYS and ARGV of BOUNDED_LUA. */
  scriptArguments(mode: BoundedMode, id: string, deltaBytes: number, now: number): Array<string | number> {
    const { maxCount, maxBytes, retentionMs } = this.limits;
    return [this.index, this.sizes, mode, id, now, Math.round(deltaBytes), maxCount, maxBytes, now - retentionMs, this.prefix, ...ENTRY_KEYS[this.kind].suffixes];
  }
}

/**
 * KEYS: index, sizes. ARGV: mode (set|measure|touch|drop), id, now, bytes, max count, max bytes, cutoff
 * (entries last written before it have expired), key prefix, key suffixes…
 * set: the entry was written now and is `bytes` big (measure: as big as its hash's field "#bytes"); touch: it was used now and grew by `bytes`;
 * either then brings the kind within its limits (never evicting that entry), and does nothing for
 * an entry whose main key is gone (-1). drop: the entry and its keys go.
 * Returns how many entries were evicted.
 */
export const BOUNDED_LUA = `
local index, sizes = KEYS[1], KEYS[2]
local mode, id, now, delta = ARGV[1], ARGV[2], tonumber(ARGV[3]), tonumber(ARGV[4])
local maxCount, maxBytes, cutoff, prefix = tonumber(ARGV[5]), tonumber(ARGV[6]), tonumber(ARGV[7]), ARGV[8]
local function drop(victim)
  for i = 9, #ARGV do redis.call('UNLINK', prefix .. victim .. ARGV[i]) end
  local size = tonumber(redis.call('HGET', sizes, victim) or '0')
  redis.call('HDEL', sizes, victim)
  redis.call('ZREM', index, victim)
  if size ~= 0 then redis.call('HINCRBY', sizes, '#total', -size) end
end
if mode == 'drop' then
  drop(id)
  return 0
end
if redis.call('EXISTS', prefix .. id .. ARGV[9]) == 0 then return -1 end
redis.call('ZADD', index, now, id)
if mode == 'measure' then
  delta = tonumber(redis.call('HGET', prefix .. id .. ARGV[9], '#bytes') or '0')
end
if mode == 'set' or mode == 'measure' then
  local old = tonumber(redis.call('HGET', sizes, id) or '0')
  redis.call('HSET', sizes, id, delta)
  redis.call('HINCRBY', sizes, '#total', delta - old)
elseif delta ~= 0 then
  redis.call('HINCRBY', sizes, id, delta)
  redis.call('HINCRBY', sizes, '#total', delta)
end
local evicted = 0
for _, victim in ipairs(redis.call('ZRANGEBYSCORE', index, '-inf', '(' .. cutoff, 'LIMIT', 0, 1000)) do
  drop(victim)
  evicted = evicted + 1
end
while true do
  local count = redis.call('ZCARD', index)
  local total = tonumber(redis.call('HGET', sizes, '#total') or '0')
  if count <= 1 or (count <= maxCount and total <= maxBytes) then break end
  local oldest = redis.call('ZRANGE', index, 0, 0)[1]
  if oldest == id then break end
  drop(oldest)
  evicted = evicted + 1
end
return evicted
`;
