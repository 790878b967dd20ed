import { BOUNDED_LUA } from './bounded-kinds.js';

// The Lua scripts the shared store runs, each atomic on the Redis side. They name keys they are not
// given (an entry's keys are derived from its id), which a single Redis allows and Redis Cluster
// does not: the store is one Redis (with replicas and persistence as you like), not a cluster.

/**
 * Appends items to a conversation that exists. KEYS: conversation, its items list. ARGV: ttl ms,
 * item JSON… Returns 1, or 0 when there is no such conversation.
 */
const APPEND_LUA = `
if redis.call('EXISTS', KEYS[1]) == 0 then return 0 end
for i = 2, #ARGV do redis.call('RPUSH', KEYS[2], ARGV[i]) end
redis.call('PEXPIRE', KEYS[1], ARGV[1])
redis.call('PEXPIRE', KEYS[2], ARGV[1])
return 1
`;

/**
 * Removes one item from a conversation by its id. KEYS: conversation, its items list. ARGV: item id.
 * Returns the removed item's size in bytes, -1 when there is no such conversation, -2 when it has
 * no such item.
 */
const DELETE_ITEM_LUA = `
if redis.call('EXISTS', KEYS[1]) == 0 then return -1 end
local items = redis.call('LRANGE', KEYS[2], 0, -1)
for i, text in ipairs(items) do
  local ok, item = pcall(cjson.decode, text)
  if ok and type(item) == 'table' and item['id'] == ARGV[1] then
    redis.call('LSET', KEYS[2], i - 1, '__codex_bridge_deleted__')
    redis.call('LREM', KEYS[2], 1, '__codex_bridge_deleted__')
    return #text
  end
end
return -2
`;

/**
 * A previous_response_id chain, walked from its newest link. ARGV: link key prefix, response id,
 * most links. Returns {conversation, items JSON of the newest link, …, of the oldest}, or nil when a
 * link is gone (expired, evicted, deleted) or the chain loops.
 */
const CHAIN_LUA = `
local prefix, id, most = ARGV[1], ARGV[2], tonumber(ARGV[3])
local out, seen, conversation = {}, {}, nil
while id do
  if seen[id] or #out >= most then return nil end
  seen[id] = true
  local link = redis.call('HMGET', prefix .. id, 'conversation', 'parent', 'items')
  if not link[3] then return nil end
  if not conversation then conversation = link[1] end
  out[#out + 1] = link[3]
  id = link[2]
  if id == '' then id = nil end
end
table.insert(out, 1, conversation)
return out
`;

/**
 * Adds reasoning entries to a conversation's hash, which keeps at most `max` of them: past that the
 * older ones go (all of them: a hash keeps no order), the new ones stay. The hash's size in bytes is
 * kept in its field "#bytes". KEYS: the hash. ARGV: ttl ms, max entries, field, text, field, text…
 */
const REMEMBER_LUA = `
local added = (#ARGV - 2) / 2
if redis.call('HLEN', KEYS[1]) - 1 + added > tonumber(ARGV[2]) then redis.call('DEL', KEYS[1]) end
local bytes = 0
for i = 3, #ARGV, 2 do
  local old = redis.call('HGET', KEYS[1], ARGV[i])
  if old then bytes = bytes - #ARGV[i] - #old end
  redis.call('HSET', KEYS[1], ARGV[i], ARGV[i + 1])
  bytes = bytes + #ARGV[i] + #ARGV[i + 1]
end
local total = redis.call('HINCRBY', KEYS[1], '#bytes', bytes)
redis.call('PEXPIRE', KEYS[1], ARGV[1])
return total
`;

export const SCRIPTS = {
  cbBounded: { numberOfKeys: 2, lua: BOUNDED_LUA },
  cbAppend: { numberOfKeys: 2, lua: APPEND_LUA },
  cbDeleteItem: { numberOfKeys: 2, lua: DELETE_ITEM_LUA },
  cbChain: { numberOfKeys: 0, lua: CHAIN_LUA },
  cbRemember: { numberOfKeys: 1, lua: REMEMBER_LUA },
} as const;

export type ScriptName = keyof typeof SCRIPTS;
