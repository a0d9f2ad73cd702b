import { options } from './.dependency-cruiser.mjs';

/**
 * The folders under packages/server/src import one another without cycles: a domain that needs
 * another's code never also gives it code. repositories/ is left out, since it imports every
 * domain's repository classes to make the one set that domains name (see .dependency-cruiser.mjs).
 */
export default {
  forbidden: [
    {
      name: 'no-circular-folders',
      comment:
        'Two folders that import each other: move the shared code to the lower one, or let the ' +
        'lower one declare a type that the higher one implements (the composition root joins them).',
      severity: 'error',
      scope: 'folder',
      from: { path: '^packages/server/src/' },
      to: { circular: true },
    },
  ],
  options: {
    ...options,
    exclude: { path: [options.exclude.path, '^packages/server/src/repositories/'] },
  },
};
