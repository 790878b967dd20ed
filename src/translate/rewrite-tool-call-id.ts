// Mistral accepts only tool-call ids of exactly 9 characters from a-z, A-Z, 0-9: "Tool call id was
// call_0fypS1hVX but must be a-z, A-Z, 0-9, with a length of 9" (a 400 seen by every client that
// replays foreign ids: langchain-ai/langchain#24668, anomalyco/opencode#1680, nearai/ironclaw#1241).
// Codex replays whatever ids it was given, and a history may hold ids from another provider, so ids
// are rewritten on the way up. The rewrite is deterministic: the same Codex id becomes the same
// upstream id in every request of a conversation, without any state.

export const ALNUM9_TOOL_CALL_ID = /^[a-zA-Z0-9]{9}$/;

const ALPHABET = '0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ';

/** Two independent 32-bit FNV-1a hashes: 64 bits, plenty for 9 base-62 digits (~53.6 bits). */
function hash64(text: string): bigint {
  let a = 0x811c9dc5;
  let b = 0x01000193 ^ 0x5bd1e995;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    a = Math.imul(a ^ c, 0x01000193);
    b = Math.imul(b ^ c, 0x5bd1e995) ^ (b >>> 13);
  }
  return (BigInt(a >>> 0) << 32n) | BigInt(b >>> 0);
}

/**
 * An id in Mistral's format. Ids already in it are kept (Mistral's own, replayed); others are
 * hashed. `salt` picks another candidate when two ids of one request would collide.
 */
export function toAlnum9ToolCallId(id: string, salt = 0): string {
  if (salt === 0 && ALNUM9_TOOL_CALL_ID.test(id)) return id;
  let n = hash64(salt === 0 ? id : `${salt}:${id}`);
  let out = '';
  for (let i = 0; i < 9; i++) {
    out += ALPHABET[Number(n % 62n)];
    n /= 62n;
  }
  return out;
}
