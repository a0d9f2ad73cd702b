import { describe, expect, it } from 'vitest';
import {
  CEA608,
  captionSchedule,
  captionSeiNal,
  escapeRbsp,
  insertCaptionSei,
  oddParity,
  popOnLoad,
  sccDocument,
  splitAnnexB,
} from './cea608-sei.ts';

const hex = (bytes: Uint8Array) => Buffer.from(bytes).toString('hex');

describe('CEA-608 in A/53 SEI', () => {
  it('sets the parity bit so every byte holds an odd number of ones', () => {
    expect(oddParity(0x14)).toBe(0x94);
    expect(oddParity(0x20)).toBe(0x20);
    expect(oddParity(0x2c)).toBe(0x2c);
    expect(oddParity(0x48)).toBe(0xc8); // 'H'
    expect(oddParity(0x65)).toBe(0xe5); // 'e'
    expect(oddParity(0x00)).toBe(0x80);
    for (let b = 0; b < 128; b++) {
      const ones = oddParity(b).toString(2).replace(/0/g, '').length;
      expect(ones % 2).toBe(1);
    }
  });

  it('loads a pop-on caption with doubled control codes, two characters a frame', () => {
    expect(popOnLoad('Hey')).toEqual([
      CEA608.RCL,
      CEA608.RCL,
      CEA608.ENM,
      CEA608.ENM,
      CEA608.PAC_ROW15,
      CEA608.PAC_ROW15,
      [0x48, 0x65],
      [0x79, 0x00],
    ]);
    expect(() => popOnLoad('caf\u00e9')).toThrow(/ASCII/);
  });

  it('schedules each caption to show at its start and go at its end', () => {
    const slots = captionSchedule([{ text: 'Hi', start: 1, end: 1.5 }], 10, 20);
    expect(slots.slice(3, 10)).toEqual(popOnLoad('Hi'));
    expect(slots.slice(10, 12)).toEqual([CEA608.EOC, CEA608.EOC]);
    expect(slots.slice(15, 17)).toEqual([CEA608.EDM, CEA608.EDM]);
    expect(slots.filter((s) => s !== null)).toHaveLength(popOnLoad('Hi').length + 4);
    expect(() =>
      captionSchedule([{ text: 'Too long to load in time', start: 0.2, end: 1 }], 10, 20),
    ).toThrow();
  });

  it('writes a GA94 cc_data SEI with one field-1 triplet, or padding', () => {
    expect(hex(captionSeiNal([0x14, 0x2f]))).toBe(
      '06' + '04' + '0e' + 'b50031' + '47413934' + '03' + '41' + 'ff' + 'fc942f' + 'ff' + '80',
    );
    expect(hex(captionSeiNal(null))).toBe('06040eb50031474139340341fffa0000ff80');
  });

  it('escapes 00 00 0x (x <= 3) in the RBSP', () => {
    expect(hex(escapeRbsp(Uint8Array.from([0, 0, 1, 0, 0, 0, 0, 0, 3, 0, 0, 4])))).toBe(
      '000003010000030000030003000004',
    );
    expect(hex(escapeRbsp(Uint8Array.from([0xfa, 0, 0, 0xff])))).toBe('fa0000ff');
    // A caption pair of two NUL characters without parity would need escaping; with parity it never does.
    expect(hex(captionSeiNal([0, 0]))).toContain('fc8080');
  });

  it('puts the SEI before the slice of each picture, and nowhere else', () => {
    const start = [0, 0, 0, 1];
    const sps = [0x67, 0x42, 0x00, 0x1e];
    const idr = [0x65, 0x88, 0x84];
    const p = [0x41, 0x9a, 0x02];
    const stream = Uint8Array.from([...start, ...sps, ...start, ...idr, 0, 0, 1, ...p]);
    const out = splitAnnexB(insertCaptionSei(stream, [CEA608.RCL, null]));
    expect(out.map((nal) => (nal[0] ?? 0) & 0x1f)).toEqual([7, 6, 5, 6, 1]);
    expect(hex(out[1]!)).toBe(hex(captionSeiNal(CEA608.RCL)));
    expect(hex(out[3]!)).toBe(hex(captionSeiNal(null)));
  });

  it('writes the same captions as an SCC file', () => {
    const scc = sccDocument([{ text: 'Hello', start: 0.5, end: 1 }]);
    expect(scc).toBe(
      'Scenarist_SCC V1.0\n\n00:00:00:15\t9420 9420 94ae 94ae 9470 9470 c8e5 ecec ef80 942f 942f\n\n00:00:01:00\t942c 942c\n',
    );
  });
});
