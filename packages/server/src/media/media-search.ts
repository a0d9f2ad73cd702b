/**
 * Text as media search compares it: Unicode-normalised (NFKC) and lower-cased by JavaScript,
 * whose lower-casing knows every script, unlike SQLite's lower() and LIKE (ASCII only). Stored
 * folded in `media.search_text`, so "Ärger" is found by "ärger" on both databases.
 */
export function searchFold(text: string): string {
  return text.normalize('NFKC').toLowerCase();
}

/** The folded text a media is found by: its title, description and tags. */
export function mediaSearchText(fields: { title: string; description: string; tags: string }): string {
  const tags = JSON.parse(fields.tags) as unknown;
  return searchFold([fields.title, fields.description, Array.isArray(tags) ? tags.join(' ') : ''].join('\n'));
}

/** A LIKE pattern for a folded substring, its wildcards escaped. Use with ESCAPE '\'. */
export function searchPattern(query: string): string {
  return `%${searchFold(query).replace(/[\\%_]/g, (ch) => `\\${ch}`)}%`;
}
