/**
 * Worker thread that runs hivetool's main() for runCli (see cli.ts), one run at a time,
 * with standard streams in memory. The CLI's modules stay loaded between runs, which is
 * what makes an in-process run a few milliseconds where a new process takes hundreds.
 */
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { workerData, type MessagePort } from 'node:worker_threads';
import { REPO_ROOT } from './corpus.js';

export interface HostRequest {
  args: string[];
  stdin: Uint8Array | undefined;
  env: Record<string, string> | undefined;
}

export interface HostAnswer {
  status: number;
  stdout: string;
  stderr: string;
}

interface CliMain {
  main(argv: string[], io: unknown): Promise<number>;
  memoryIo(stdin?: Uint8Array): { out: Uint8Array[]; err: string[] };
}

const { port, done } = workerData as { port: MessagePort; done: Int32Array };
const cli = (await import(pathToFileURL(join(REPO_ROOT, 'packages/cli/dist/main.js')).href)) as CliMain;

port.on('message', (request: HostRequest) => {
  void answer(request).then((reply) => {
    port.postMessage(reply);
    Atomics.store(done, 0, 1);
    Atomics.notify(done, 0);
  });
});

async function answer(request: HostRequest): Promise<HostAnswer> {
  const saved = new Map<string, string | undefined>();
  for (const [name, value] of Object.entries(request.env ?? {})) {
    saved.set(name, process.env[name]);
    process.env[name] = value;
  }
  const io = cli.memoryIo(request.stdin);
  let status: number;
  try {
    status = await cli.main(request.args, io);
  } catch (error) {
    // main() turns every failure into an exit code: reaching here is a bug, as exit 70 is.
    io.err.push(`hivetool: internal error:\n${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
    status = 70;
  } finally {
    for (const [name, value] of saved) {
      if (value === undefined) delete process.env[name];
      else process.env[name] = value;
    }
  }
  return { status, stdout: Buffer.concat(io.out).toString('utf8'), stderr: io.err.join('') };
}
