export * from './corpus.js';
export * from './fixtures.js';
export * from './cli.js';
export * from './layout.js';
export * from './runs.js';
export * from './fuzzTargets.js';
export * from './random.js';
export * from './trees.js';
