// scratch.js needs jest's globals, so it has its own entry (`@hivetool/test-support/scratch`)
// and the fuzzer and benchmarks, which run outside jest, can import this one.
export * from './corpus.js';
export * from './fixtures.js';
export * from './cli.js';
export * from './layout.js';
export * from './runs.js';
export * from './fuzzTargets.js';
export * from './random.js';
export * from './trees.js';
export * from './reseal.js';
export * from './flushStates.js';
export * from './forensicImages.js';
export * from './deviceDelete.js';
export * from './stockSources.js';
export * from './fatImages.js';
export * from './nandImages.js';
export * from './damaged.js';
export * from './fixtureNand.js';
export * from './migrate.js';
