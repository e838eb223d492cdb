// Import rules of the service's folders (issue 22 point 4), checked in `npm test` by
// test/unit/dependency-rules.test.ts (and by hand: `npx depcruise api activities store worker workflows scripts`).
//
//   workflows/   deterministic code; imports only itself (and, type-only, the activities' contract)
//   store/       all PostgreSQL; imports workflows/ (domain types) and itself
//   activities/  Temporal activities; may use store/ and workflows/, never api/
//   api/         HTTP; may use store/, workflows/ and activities/' types
//   worker/, scripts/  wire everything together
//
// Test support (test/) is never imported by production code.

/** @type {import('dependency-cruiser').IConfiguration} */
module.exports = {
  forbidden: [
    {
      name: 'no-circular',
      severity: 'error',
      comment: 'Import circles among project files that exist at run time (every import in the circle loads code).',
      from: {},
      to: { circular: true, viaOnly: { dependencyTypesNot: ['type-only', 'type-import'] } },
    },
    {
      name: 'no-circular-via-types',
      severity: 'error',
      comment: 'Import circles closed by a type-only import (`import type`, `import(...)` types): gone at run time, still a circle between the files.',
      from: {},
      to: { circular: true, via: { dependencyTypes: ['type-only', 'type-import'] } },
    },
    {
      name: 'activities-not-to-api',
      severity: 'error',
      comment: 'Activities run in the worker; the HTTP API is not theirs to use. Shared PostgreSQL code lives in store/.',
      from: { path: '^activities/' },
      to: { path: '^api/' },
    },
    {
      name: 'store-not-to-api-or-activities',
      severity: 'error',
      comment: 'store/ sits under both api/ and activities/: it imports neither (only, type-only, the activities\' contract below).',
      from: { path: '^store/' },
      to: { path: '^(api|activities)/', pathNot: '^activities/read-model-types\\.ts$' },
    },
    {
      name: 'store-activity-contract-type-only',
      severity: 'error',
      comment: 'store/ may name the types of the activities\' contract (what recordChanges stores): `import type` only.',
      from: { path: '^store/' },
      to: { path: '^activities/read-model-types\\.ts$', dependencyTypesNot: ['type-only'] },
    },
    {
      name: 'workflows-not-to-io',
      severity: 'error',
      comment: 'Workflow code is deterministic: no api/, store/ or activities/ (only the type-only contract below).',
      from: { path: '^workflows/' },
      to: { path: '^(api|store|activities)/', pathNot: '^activities/read-model-types\\.ts$' },
    },
    {
      name: 'workflows-activity-contract-type-only',
      severity: 'error',
      comment: 'The workflow needs the activities\' interface for proxyActivities: `import type` only.',
      from: { path: '^workflows/' },
      to: { path: '^activities/read-model-types\\.ts$', dependencyTypesNot: ['type-only'] },
    },
    {
      name: 'production-not-to-test-support',
      severity: 'error',
      comment: 'Test support (fault hooks, dev servers, harnesses) stays out of production code.',
      from: { path: '^(api|activities|store|worker|workflows|scripts)/' },
      to: { path: '^test/' },
    },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    exclude: { path: '^node_modules' },
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
    enhancedResolveOptions: {
      exportsFields: ['exports'],
      conditionNames: ['import', 'require', 'node', 'default', 'types'],
    },
    skipAnalysisNotInRules: true,
  },
};
