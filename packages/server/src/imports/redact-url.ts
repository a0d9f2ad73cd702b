/**
 * A URL fit for messages and logs: the user name, password, query string and fragment are
 * removed, since presigned URLs carry their signature in the query and basic auth its password
 * in the user info. What is left is the scheme, host, port and path.
 *
 * @example redactUrl('https://u:p@bucket.s3.example/a.mp4?X-Amz-Signature=abc') // 'https://bucket.s3.example/a.mp4?…'
 */
export function redactUrl(url: string | URL): string {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return '(an invalid URL)';
  }
  const query = parsed.search === '' ? '' : '?…';
  return `${parsed.protocol}//${parsed.host}${parsed.pathname}${query}`;
}

/** Removes every secret part of `url` that occurs in `text`, for messages that quote other text. */
export function scrubSecrets(text: string, url: string | URL): string {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return text;
  }
  let out = text;
  for (const secret of [parsed.search.slice(1), parsed.password, parsed.username, parsed.hash.slice(1)]) {
    if (secret.length >= 3) out = out.split(secret).join('…');
    const decoded = safeDecode(secret);
    if (decoded.length >= 3 && decoded !== secret) out = out.split(decoded).join('…');
  }
  return out;
}

function safeDecode(text: string): string {
  try {
    return decodeURIComponent(text);
  } catch {
    return text;
  }
}
