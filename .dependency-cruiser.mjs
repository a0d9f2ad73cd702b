/**
 * Layer rules of packages/server/src, checked by `npm run layers` (part of `npm run check`).
 *
 * - Infrastructure (db/, http/, storage/, lib/, config/) imports no domain and no composition root.
 * - Composition roots (system/, cli/, main.ts) are imported by no module under src.
 * - repositories/ assembles the domains' repository classes into one set; repository files never
 *   import it, so domains can name `Repositories` without cycles. Only it runs transactions
 *   (db/transaction.ts), handing domains the UnitOfWork.
 * - No module imports itself through others (type-only imports count too).
 * - Tests (*.test.ts) are not checked: they may import anything.
 *
 * .dependency-cruiser-domains.mjs adds one rule over folders: domains import one another without
 * cycles.
 */
const SRC = '^packages/server/src/';
const INFRA = `${SRC}(db|http|storage|lib|config)/`;
const ROOTS = `${SRC}((system|cli)/|main[.]ts$)`;
const REPOSITORY_SET = `${SRC}repositories/`;

export const options = {
  tsPreCompilationDeps: true,
  includeOnly: '^packages/server/(src|test)/',
  exclude: { path: '[.]test[.]ts$' },
};

export default {
  forbidden: [
    {
      name: 'no-circular',
      comment: 'A module that imports itself through others: move what both need into a third one.',
      severity: 'error',
      from: { path: SRC },
      to: { circular: true },
    },
    {
      name: 'infrastructure-imports-no-domain',
      comment:
        'db/, http/, storage/, lib/ and config/ know no domain and no composition root; a domain ' +
        'hands them what they need (a type they declare, a function).',
      severity: 'error',
      from: { path: INFRA },
      to: { path: SRC, pathNot: INFRA },
    },
    {
      name: 'nothing-imports-a-composition-root',
      comment: 'system/, cli/ and main.ts wire the process; they import the rest, never the reverse.',
      severity: 'error',
      from: { path: SRC, pathNot: ROOTS },
      to: { path: ROOTS },
    },
    {
      name: 'repository-files-import-no-repository-set',
      comment: 'repositories/ imports every *.repository.ts; one importing it back would be a cycle.',
      severity: 'error',
      from: { path: '[.]repository[.]ts$' },
      to: { path: REPOSITORY_SET },
    },
    {
      name: 'repository-set-only-assembles',
      comment: 'repositories/ binds repository classes to a database or a transaction, nothing more.',
      severity: 'error',
      from: { path: REPOSITORY_SET },
      to: { path: SRC, pathNot: [REPOSITORY_SET, `${SRC}db/`, '[.]repository[.]ts$'] },
    },
    {
      name: 'one-transaction-runner',
      comment:
        'Transactions begin in db/transaction.ts and reach domains as the UnitOfWork of ' +
        'repositories/; nothing else runs one.',
      severity: 'error',
      from: { path: SRC, pathNot: [REPOSITORY_SET, `${SRC}db/`] },
      to: { path: `${SRC}db/transaction[.]ts$` },
    },
    {
      name: 'no-test-code-in-src',
      comment: 'The server imports nothing from packages/server/test (it is not built).',
      severity: 'error',
      from: { path: SRC },
      to: { path: '^packages/server/test/' },
    },
  ],
  options,
};
