/**
 * The fields of `meta` that hold a value, among `fields`. Uppy's tus plugin sends every allowed
 * field as `String(value)`, so a title left empty would reach Kino as the text "undefined".
 *
 * @example filledMetaFields({ name: 'talk.mp4', title: undefined }, ['name', 'title']) // ['name']
 */
export function filledMetaFields(meta: Record<string, unknown>, fields: readonly string[]): string[] {
  return fields.filter((field) => {
    const value = meta[field];
    if (typeof value === 'string') return value.trim() !== '';
    return value !== undefined && value !== null;
  });
}
