import { DOMParser, onErrorStopParsing, type Element, type Node } from '@xmldom/xmldom';
import { CaptionsError, excerpt, type Cue } from './caption-cue.ts';
import { sanitizeCueText } from './cue-markup.ts';

/** Timing parameters of a TTML document (ttp:frameRate, ttp:subFrameRate, ttp:tickRate). */
export interface TtmlTiming {
  /** Frames per second, after ttp:frameRateMultiplier. */
  frameRate: number;
  subFrameRate: number;
  tickRate: number;
}

const ELEMENT = 1;
const TEXT = 3;
const CDATA = 4;

const CLOCK = /^(\d{2,}):(\d{2}):(\d{2})(?:(\.\d+)|:(\d{2,})(?:\.(\d+))?)?$/;
const OFFSET = /^(\d+(?:\.\d+)?)(h|ms|m|s|f|t)$/;

/**
 * A TTML time expression to milliseconds: clock time (`01:02:03.5`, or `01:02:03:12` with frames
 * and optional sub-frames) or offset time (`12.5s`, `1500ms`, `2m`, `1h`, `300f`, `90000t`).
 * Null when it is none of these.
 */
export function parseTtmlTime(value: string, timing: TtmlTiming): number | null {
  const text = value.trim();
  const clock = CLOCK.exec(text);
  if (clock) {
    const [, h = '0', m = '0', s = '0', fraction, frames, subFrames] = clock;
    if (Number(m) > 59 || Number(s) > 60) return null;
    let seconds = (Number(h) * 60 + Number(m)) * 60 + Number(s);
    if (fraction) seconds += Number(fraction);
    if (frames) seconds += Number(frames) / timing.frameRate;
    if (subFrames) seconds += Number(subFrames) / (timing.frameRate * timing.subFrameRate);
    return Math.round(seconds * 1000);
  }
  const offset = OFFSET.exec(text);
  if (!offset) return null;
  const n = Number(offset[1]);
  const seconds = {
    h: n * 3600,
    m: n * 60,
    s: n,
    ms: n / 1000,
    f: n / timing.frameRate,
    t: n / timing.tickRate,
  }[offset[2] as 'h' | 'm' | 's' | 'ms' | 'f' | 't'];
  return Math.round(seconds * 1000);
}

/** An attribute by local name, whatever its prefix (tts:, ttp: and the old DFXP namespaces). */
function attr(el: Element, localName: string, namespaced: boolean): string | null {
  for (let i = 0; i < el.attributes.length; i++) {
    const a = el.attributes.item(i);
    if (a && a.localName === localName && Boolean(a.namespaceURI) === namespaced) return a.value;
  }
  return null;
}

const childElements = (el: Element): Element[] => {
  const out: Element[] = [];
  for (let i = 0; i < el.childNodes.length; i++) {
    const node = el.childNodes.item(i);
    if (node?.nodeType === ELEMENT) out.push(node as Element);
  }
  return out;
};

function positiveNumber(value: string | null, fallback: number): number {
  const n = Number(value);
  return value !== null && Number.isFinite(n) && n > 0 ? n : fallback;
}

export function timingOf(root: Element): TtmlTiming {
  const rate = attr(root, 'frameRate', true);
  const [num, den] = (attr(root, 'frameRateMultiplier', true) ?? '1 1').trim().split(/\s+/).map(Number);
  const multiplier = num && den ? num / den : 1;
  const frameRate = positiveNumber(rate, 30) * multiplier;
  const subFrameRate = positiveNumber(attr(root, 'subFrameRate', true), 1);
  // Without ttp:tickRate, ticks count frames and sub-frames when a frame rate is given, else seconds.
  const tickRate = positiveNumber(attr(root, 'tickRate', true), rate === null ? 1 : frameRate * subFrameRate);
  return { frameRate, subFrameRate, tickRate };
}

/**
 * Cues of a TTML (or older DFXP) document: one per `<p>` in the body, timed by its begin and end
 * (or dur), relative to the begin of the div and body around it. `<br/>` becomes a line break,
 * spans are flattened (an inline italic, bold or underline style becomes i, b or u), and white
 * space collapses as XML's default handling says. Throws CaptionsError naming the line.
 */
export function parseTtml(text: string): Cue[] {
  let doc;
  try {
    doc = new DOMParser({ onError: onErrorStopParsing }).parseFromString(text, 'text/xml');
  } catch (err) {
    const locator = (err as { locator?: { lineNumber?: number } }).locator;
    const message = err instanceof Error ? err.message.split('\n')[0] : String(err);
    throw new CaptionsError(locator?.lineNumber ?? null, `not well-formed XML: ${message ?? ''}`);
  }
  const root = doc.documentElement;
  if (root?.localName !== 'tt') throw new CaptionsError(1, 'a TTML document has a <tt> root element');
  const timing = timingOf(root);
  const body = childElements(root).find((el) => el.localName === 'body');
  const cues: Cue[] = [];
  const lineOf = (el: Element) => el.lineNumber ?? null;

  const time = (el: Element, name: 'begin' | 'end' | 'dur'): number | null => {
    const value = attr(el, name, false);
    if (value === null) return null;
    const ms = parseTtmlTime(value, timing);
    if (ms === null) throw new CaptionsError(lineOf(el), `${name}="${excerpt(value)}" is not a TTML time`);
    return ms;
  };

  // Times of an element are relative to its parent's begin (TTML's default "par" containers).
  const visit = (el: Element, parentBegin: number, parentEnd: number | null) => {
    const begin = parentBegin + (time(el, 'begin') ?? 0);
    const end = time(el, 'end');
    const dur = time(el, 'dur');
    const ends = end !== null ? parentBegin + end : dur !== null ? begin + dur : parentEnd;
    if (el.localName !== 'p') {
      for (const child of childElements(el)) visit(child, begin, ends);
      return;
    }
    if (ends === null) throw new CaptionsError(lineOf(el), 'the paragraph has no end (set end or dur)');
    if (ends <= begin) throw new CaptionsError(lineOf(el), 'the cue ends before it starts');
    const cueText = sanitizeCueText(inlineMarkup(el).trim(), 'vtt');
    if (cueText) cues.push({ id: '', startMs: begin, endMs: ends, settings: '', text: cueText });
  };
  if (body) visit(body, 0, null);
  return cues;
}

const escapeText = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');

/** The content of a paragraph as WebVTT markup: text escaped, <br/> as a line break, spans flattened. */
function inlineMarkup(el: Element): string {
  let out = '';
  for (let i = 0; i < el.childNodes.length; i++) {
    const node: Node | null = el.childNodes.item(i);
    if (!node) continue;
    if (node.nodeType === TEXT || node.nodeType === CDATA) {
      out += escapeText((node.nodeValue ?? '').replace(/[ \t\r\n]+/g, ' '));
    } else if (node.nodeType === ELEMENT) {
      const child = node as Element;
      if (child.localName === 'br') {
        out += '\n';
        continue;
      }
      const tags = [
        attr(child, 'fontStyle', true) === 'italic' ? 'i' : null,
        attr(child, 'fontWeight', true) === 'bold' ? 'b' : null,
        attr(child, 'textDecoration', true) === 'underline' ? 'u' : null,
      ].filter((t): t is string => t !== null);
      out +=
        tags.map((t) => `<${t}>`).join('') +
        inlineMarkup(child) +
        [...tags]
          .reverse()
          .map((t) => `</${t}>`)
          .join('');
    }
  }
  return out;
}
