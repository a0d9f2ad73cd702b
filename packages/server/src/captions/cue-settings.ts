const PERCENT = String.raw`(?:100(?:\.0+)?|\d{1,2}(?:\.\d+)?)%`;

/** The cue settings of WebVTT and the values each may take. */
const SETTINGS: Record<string, RegExp> = {
  vertical: /^(?:rl|lr)$/,
  line: new RegExp(String.raw`^(?:-?\d+|${PERCENT})(?:,(?:start|center|end))?$`),
  position: new RegExp(String.raw`^${PERCENT}(?:,(?:line-left|center|line-right))?$`),
  size: new RegExp(`^${PERCENT}$`),
  align: /^(?:start|center|end|left|right)$/,
};

/**
 * The valid settings of a WebVTT timing line, in their order, each name at most once. Invalid
 * ones are left out, as a WebVTT parser ignores them; regions are not kept (their definitions
 * are dropped with the file's REGION blocks).
 */
export function validCueSettings(text: string): string {
  const seen = new Set<string>();
  const kept: string[] = [];
  for (const setting of text.split(/[ \t]+/)) {
    const colon = setting.indexOf(':');
    if (colon <= 0) continue;
    const name = setting.slice(0, colon);
    const pattern = SETTINGS[name];
    if (!pattern || seen.has(name) || !pattern.test(setting.slice(colon + 1))) continue;
    seen.add(name);
    kept.push(setting);
  }
  return kept.join(' ');
}
