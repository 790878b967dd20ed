// Chat providers accept function names matching ^[a-zA-Z0-9_-]{1,64}$. Codex sends namespaced
// tools (MCP servers, multi_agent_v1) and freeform custom tools (apply_patch); both must come back
// in their own shape, so every flattened name keeps a reverse entry.

export type ToolKind = 'function' | 'custom';

export interface ToolIdentity {
  name: string;
  namespace?: string;
  kind: ToolKind;
}

export type ToolNameMap = Map<string, ToolIdentity>;

const VALID_NAME = /^[a-zA-Z0-9_-]{1,64}$/;
const NAMESPACE_SEPARATOR = '__';

/** FNV-1a, enough to keep truncated names apart; no crypto needed for a name suffix. */
function shortHash(text: string): string {
  let hash = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    hash ^= text.charCodeAt(i);
    hash = Math.imul(hash, 0x01000193);
  }
  return (hash >>> 0).toString(16).padStart(8, '0');
}

/** Deterministic, so replayed history flattens to the same names the upstream saw. */
export function flattenToolName(name: string, namespace?: string): string {
  // Codex already prefixes MCP namespaces ("mcp__demo") and their tools carry the bare name.
  const joined = namespace ? `${namespace}${NAMESPACE_SEPARATOR}${name}` : name;
  if (VALID_NAME.test(joined)) return joined;
  // The hash keeps "a.b" and "a_b" (or two long names sharing a prefix) apart.
  const sanitized = joined.replace(/[^a-zA-Z0-9_-]/g, '_');
  const suffix = `_${shortHash(joined)}`;
  return sanitized.slice(0, 64 - suffix.length) + suffix;
}

/** A flattened name cut to a provider's shorter limit; the hash keeps cut names apart. Deterministic. */
export function shortenToolName(name: string, maxLength: number): string {
  if (name.length <= maxLength) return name;
  const suffix = `_${shortHash(name)}`;
  return name.slice(0, Math.max(0, maxLength - suffix.length)) + suffix;
}

/** Turns an upstream call name back into what Codex offered; unknown names pass through. */
export function resolveToolName(map: ToolNameMap, flatName: string): ToolIdentity {
  return map.get(flatName) ?? { name: flatName, kind: 'function' };
}
