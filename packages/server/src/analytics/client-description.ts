import Bowser from 'bowser';

/** The browser (name and major version) and operating system a User-Agent names; nothing more is kept. */
export function describeClient(userAgent: string | undefined): { browser: string; os: string } {
  if (!userAgent) return { browser: 'unknown', os: 'unknown' };
  try {
    const parser = Bowser.getParser(userAgent.slice(0, 512));
    const name = parser.getBrowserName() || 'unknown';
    const major = parser.getBrowserVersion()?.split('.')[0];
    return {
      browser: (major ? `${name} ${major}` : name).slice(0, 60),
      os: (parser.getOSName() || 'unknown').slice(0, 60),
    };
  } catch {
    return { browser: 'unknown', os: 'unknown' };
  }
}
