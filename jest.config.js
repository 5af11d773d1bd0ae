/**
 * Jest runs the tests as compiled by `tsc --build` (so their types are checked too):
 * packages/<name>/dist-test for package tests, test/dist for cross-package and CLI tests.
 * No transform is needed; ESM runs under --experimental-vm-modules (see package.json).
 */
export default {
  // jest-environment-node with an ordinary global object: see test/jestEnvironment.ts.
  testEnvironment: '<rootDir>/test/dist/jestEnvironment.js',
  transform: {},
  roots: ['<rootDir>/packages', '<rootDir>/test'],
  testMatch: ['<rootDir>/packages/*/dist-test/**/*.test.js', '<rootDir>/test/dist/**/*.test.js'],
  modulePathIgnorePatterns: ['<rootDir>/packages/.*/src/', '<rootDir>/test/support/src/'],
  testTimeout: 60000,
  // The binary runs the bundled command line: it is rebuilt from the compiled code first.
  globalSetup: '<rootDir>/test/dist/globalSetup.js',
  // Typed arrays compared in one loop instead of jest's per-element walk (test/jestSetup.ts).
  setupFilesAfterEnv: ['<rootDir>/test/dist/jestSetup.js'],
  // Two test files at a time: on two cores, one file's child processes, browser or file
  // I/O overlap with the other's computing (jest's default here is a single worker).
  maxWorkers: 2,
};
