/** Counts the calls that go over a transport, so the lab can report what one resync pass costs. */
import type { ExecOptions, ExecResult, Transport } from '../../src/appliance/transport/types.js';

export class CountingTransport implements Transport {
  calls = 0;
  readonly description: string;

  constructor(private readonly inner: Transport) {
    this.description = inner.description;
  }

  exec(argv: readonly string[], opts?: ExecOptions): Promise<ExecResult> {
    this.calls++;
    return this.inner.exec(argv, opts);
  }
  readFile(path: string): Promise<string | undefined> {
    this.calls++;
    return this.inner.readFile(path);
  }
  writeFile(path: string, content: string, opts?: { mode?: number }): Promise<void> {
    this.calls++;
    return this.inner.writeFile(path, content, opts);
  }
  removeFile(path: string): Promise<void> {
    this.calls++;
    return this.inner.removeFile(path);
  }
  listDir(path: string): Promise<string[]> {
    this.calls++;
    return this.inner.listDir(path);
  }
  close(): Promise<void> {
    return this.inner.close();
  }
}
