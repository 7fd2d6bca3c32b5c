/** Runs the `pxr` CLI in-process (its `main`), capturing stdout, stderr and the exit code. */
import { Writable } from 'node:stream';
import { main, type Io } from '../../src/cli/main.js';

export async function runCli(
  argv: string[],
  cwd: string,
  env: Record<string, string | undefined> = {},
): Promise<{ code: number; out: string; err: string }> {
  let out = '';
  let err = '';
  const sink = (add: (s: string) => void): Writable =>
    new Writable({
      write(chunk: Buffer, _enc, done) {
        add(chunk.toString());
        done();
      },
    });
  const io: Io = { stdout: sink((s) => (out += s)), stderr: sink((s) => (err += s)), env, cwd };
  const code = await main(argv, io);
  return { code, out, err };
}
