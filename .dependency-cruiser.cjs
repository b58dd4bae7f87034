// The layering of src/, checked by `npm test` (npx depcruise src). Folders are layers, listed
// bottom-up; a file may import its own layer and the layers below it, never one above. The ops
// are siblings: no op imports another. Only the facade (src/session.ts, and src/key-space.ts and
// src/scope.ts, whose classes hold the ops' methods) imports the ops, and only src/index.ts
// imports the session.
/** @type {import('dependency-cruiser').IConfiguration} */
const layers = ['base', 'transport', 'codec', 'clock', 'core']

/** One rule per layer: nothing in it imports a layer above it. */
const upward = layers.map((layer, i) => ({
  name: `no-upward-import-from-${layer}`,
  comment: `src/${layer}/ may import only ${layers.slice(0, i + 1).join(', ')}: the layers run ${layers.join(' ← ')} ← ops ← session.ts ← index.ts`,
  severity: 'error',
  from: { path: `^src/${layer}/` },
  to: { path: `^src/(?!(${layers.slice(0, i + 1).join('|')})/)` },
}))

module.exports = {
  forbidden: [
    {
      name: 'no-circular',
      comment: 'files import each other in a cycle; move the shared part down a layer',
      severity: 'error',
      from: {},
      to: { circular: true },
    },
    ...upward,
    {
      name: 'no-op-imports-another-op',
      comment: 'each op under src/ops/<name>/ stands alone on the core; share code by moving it down to core/ or base/',
      severity: 'error',
      from: { path: '^src/ops/([^/]+)/' },
      to: { path: '^src/ops/', pathNot: '^src/ops/$1/' },
    },
    {
      name: 'no-op-imports-the-facade',
      comment: 'ops sit below the facade: src/ops/ must not import src/session.ts, src/key-space.ts, src/scope.ts or src/index.ts',
      severity: 'error',
      from: { path: '^src/ops/' },
      to: { path: '^src/(session|key-space|scope|index)\\.ts$' },
    },
    {
      name: 'only-the-facade-imports-ops',
      comment: 'the facade (src/session.ts, src/key-space.ts, src/scope.ts) is what composes the ops; src/index.ts exports them through it',
      severity: 'error',
      from: { path: '^src/', pathNot: '^src/(ops/|(session|key-space|scope)\\.ts$)' },
      to: { path: '^src/ops/' },
    },
    {
      name: 'only-index-imports-the-facade',
      comment: 'src/session.ts is the top of the library; only src/index.ts exports it',
      severity: 'error',
      from: { path: '^src/', pathNot: '^src/index\\.ts$' },
      to: { path: '^src/session\\.ts$' },
    },
    {
      name: 'library-stays-in-src',
      comment: 'the library must not import tests, the demo or tooling',
      severity: 'error',
      from: { path: '^src/' },
      to: { path: '^(test|e2e|demo|examples|support)/' },
    },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
    enhancedResolveOptions: { exportsFields: ['exports'], conditionNames: ['import', 'require', 'node', 'default'] },
    reporterOptions: { text: { highlightFocused: true } },
  },
}
