// Dependencies point inward: gateway -> functions -> layers -> shared.
module.exports = {
  forbidden: [
    {
      name: 'tools-have-no-import-cycles',
      comment:
        'the command line (load, drills) imports in one direction; shared/ still has one old circle (config <-> async <-> telemetry) to undo first',
      severity: 'error',
      from: { path: '^tools/' },
      to: { circular: true },
    },
    {
      name: 'shared-has-no-lambda-types',
      comment: 'shared/ is plain libraries: no Middy, no Lambda types, no handlers or layers',
      severity: 'error',
      from: { path: '^shared/' },
      to: {
        path: [
          'node_modules/@middy',
          'node_modules/@types/aws-lambda',
          '^functions/',
          '^layers/',
          '^gateway/',
        ],
      },
    },
    {
      name: 'layers-do-not-import-functions',
      severity: 'error',
      from: { path: '^layers/' },
      to: { path: ['^functions/', '^gateway/'] },
    },
    {
      name: 'functions-do-not-import-gateway',
      severity: 'error',
      from: { path: '^functions/' },
      to: { path: '^gateway/' },
    },
    {
      name: 'functions-use-ports-not-adapters',
      comment: 'handlers reach storage, metadata, cache and queue through ports (the runtime wires adapters)',
      severity: 'error',
      from: { path: '^functions/' },
      to: {
        path: ['^shared/(storage|metadata|cache|queue)/adapters/', 'node_modules/(pg|ioredis|@electric-sql)'],
      },
    },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
    enhancedResolveOptions: { extensions: ['.ts', '.js'] },
  },
};
