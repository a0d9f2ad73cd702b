import { describe, expect, it } from 'vitest';
import { assertPlainTarget, uploadIdParam } from './upload-target.ts';

const PATH = '/v1/uploads/upl_a';

describe('the request target of an upload request', () => {
  it.each([PATH, `http://kino.example${PATH}`, `https://user@kino.example:8443${PATH}`])(
    'is accepted exactly as the path routed, origin-form or absolute-form: %s',
    (target) => {
      expect(() => {
        assertPlainTarget(target, PATH);
      }).not.toThrow();
    },
  );

  it.each([
    [`${PATH}?x=/upl_b`, /query string/],
    [`${PATH}?`, /query string/],
    [`${PATH}#/upl_b`, /fragment/],
    [`http://kino.example${PATH}?x=/upl_b`, /query string/],
    ['/v1/uploads/%75pl_a', /as answered/],
    // The router matches none of these; refused all the same if one ever reached here.
    [`${PATH}/`, /as answered/],
    ['/v1//uploads/upl_a', /as answered/],
    ['/v1/uploads/./upl_a', /as answered/],
  ])('refuses %s as 400 invalid_request', (target, detail) => {
    expect(() => {
      assertPlainTarget(target, PATH);
    }).toThrow(
      expect.objectContaining({
        code: 'invalid_request',
        status: 400,
        message: expect.stringMatching(detail),
      }),
    );
  });

  it('takes upload ids only of characters no URL parser rewrites', () => {
    expect(uploadIdParam.safeParse('upl_06h53288b7kxah2e0e6mp0ehmg').success).toBe(true);
    for (const id of ['upl_a/upl_b', 'upl_a\\b', '..', 'upl_a?x', 'upl_a#b', 'upl;a', 'a'.repeat(65), '']) {
      expect(uploadIdParam.safeParse(id).success).toBe(false);
    }
  });
});
