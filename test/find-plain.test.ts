import { describe, expect, test } from '@jest/globals';
import { join } from 'node:path';
import { REPO_ROOT, prng } from '@hivetool/test-support';

const { plainMatcher } = (await import(join(REPO_ROOT, 'packages/cli/dist/run/find.js'))) as { plainMatcher: (pattern: string) => (text: string) => boolean };

describe('find: plain-text matching', () => {
  test('the linear search of a long pattern agrees with includes, case-insensitively', () => {
    const random = prng(21);
    const pick = (alphabet: string, length: number): string => Array.from({ length }, () => alphabet[Math.floor(random() * alphabet.length)]!).join('');
    let hits = 0;
    for (let run = 0; run < 300; run++) {
      // A two-letter alphabet makes patterns with many borders, where a naive search backs up.
      const needle = pick('aAb', 65 + Math.floor(random() * 60));
      const text = run % 3 === 0 ? pick('ab', 200) + needle.toUpperCase() + pick('ab', 200) : pick('aabB', 2000);
      const expected = text.toLowerCase().includes(needle.toLowerCase());
      if (expected) hits++;
      expect([run, plainMatcher(needle)(text)]).toEqual([run, expected]);
    }
    expect(hits).toBeGreaterThanOrEqual(100);
    expect(plainMatcher('a'.repeat(100))('a'.repeat(99))).toBe(false);
    expect(plainMatcher('a'.repeat(100))('b' + 'A'.repeat(100))).toBe(true);
  });
});
