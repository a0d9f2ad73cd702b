/**
 * Text as the search index holds it and queries compare it: Unicode-normalised (NFKC) and
 * case-folded by JavaScript's locale-independent lower-casing, so both databases see the same
 * letters whatever their own locale.
 */
export function searchFold(text: string): string {
  return text.normalize('NFKC').toLowerCase();
}

/** Most words of a query that are searched for; the rest are ignored. */
export const MAX_TERMS = 8;

/**
 * The words of a search query, folded: runs of letters, digits and combining marks. Everything
 * else (quotes, operators of either database's query syntax) only separates words, so a query
 * can never be read as syntax.
 */
export function searchTerms(query: string): string[] {
  const words = searchFold(query).match(/[\p{L}\p{N}\p{M}]+/gu) ?? [];
  return [...new Set(words.map((w) => w.slice(0, 64)))].slice(0, MAX_TERMS);
}
