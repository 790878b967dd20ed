import { describe, expect, it } from 'vitest';
import { shortIds } from './short-ids.js';

describe('shortest unique prefixes', () => {
  it('as short as it can be while no other id starts with it, never below the minimum', () => {
    const ids = ['01a23b8e-0c95-7e22', '01a23b8e-356a-7ad0', '01a23b91-1014-7631', '7f00aa', 'resp_1', 'resp_12'];
    const short = shortIds(ids);
    expect(Object.fromEntries(short)).toEqual({
      '01a23b8e-0c95-7e22': '01a23b8e-0',
      '01a23b8e-356a-7ad0': '01a23b8e-3',
      '01a23b91-1014-7631': '01a23b9',
      '7f00aa': '7f00',
      resp_1: 'resp_1',
      resp_12: 'resp_12',
    });
    // Each prefix picks out its id: the one it equals, else the only one it starts.
    const resolve = (prefix: string) => (ids.includes(prefix) ? [prefix] : ids.filter((other) => other.startsWith(prefix)));
    for (const [id, prefix] of short) expect(resolve(prefix)).toEqual([id]);
  });

  it('a lone id, or one shorter than the minimum, is shown whole up to the minimum', () => {
    expect(shortIds(['abcdef'])).toEqual(new Map([['abcdef', 'abcd']]));
    expect(shortIds(['ab'])).toEqual(new Map([['ab', 'ab']]));
  });
});
