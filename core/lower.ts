/**
 * `s.toLowerCase()` without the copy when there is nothing to lower — the hot paths see
 * strings that are already lower-case hex (canonical inputs), and a copy per receipt field is
 * both an allocation and a fresh string whose hash every Map lookup must compute again.
 * Exactly `toLowerCase()`: any ASCII capital or non-ASCII character takes the real call.
 *
 * @example
 * toLower("0xab") === "0xab"; // the same string, no copy
 */
const NEEDS_LOWERING = /[A-Z\u0080-\uffff]/;

export function toLower(s: string): string {
  return NEEDS_LOWERING.test(s) ? s.toLowerCase() : s;
}
