/**
 * Jest's test environment: jest-environment-node, with the test file's global object an
 * ordinary one. Jest runs every test file in a new vm context; a context made by plain
 * `vm.createContext()` reaches its globals through interceptors, which V8 cannot cache,
 * so each use of a global in a hot loop (`Math.imul`, `Math.min`, `Uint8Array`, …) is a
 * slow lookup: the codecs ran up to ten times slower under jest than in a program (the
 * FAL's earlier versions of a hive: 0.9 s of CPU in a program, 11 s in a test).
 * `vm.constants.DONT_CONTEXTIFY` (Node 20.18 and later) makes the context's own global
 * object the one jest fills in, as fast as a program's. On a Node without it, the
 * environment is jest's own.
 */
import vm from 'node:vm';
import { TestEnvironment as NodeEnvironment } from 'jest-environment-node';

const DONT_CONTEXTIFY: unknown = (vm.constants as Record<string, unknown> | undefined)?.['DONT_CONTEXTIFY'];

export default class TestEnvironment extends NodeEnvironment {
  constructor(...args: ConstructorParameters<typeof NodeEnvironment>) {
    const createContext = vm.createContext;
    // jest-environment-node calls vm.createContext() once, in its constructor.
    if (DONT_CONTEXTIFY !== undefined) vm.createContext = ((object?: vm.Context) => (object === undefined ? createContext(DONT_CONTEXTIFY as unknown as vm.Context) : createContext(object))) as typeof vm.createContext;
    try {
      super(...args);
    } finally {
      vm.createContext = createContext;
    }
  }
}
