/**
 * `POST .../storage/{storage}/download-url` and `.../upload` over HTTP: the real client for the
 * form-encoded download, raw node:http for the multipart upload. Each case names the Proxmox source
 * it mirrors (pve-storage PVE/API2/Storage/Status.pm unless said otherwise).
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { ManualClock } from '../../src/core/clock.js';
import { MAX_BODY_BYTES } from '../../src/sim/server.js';
import { pveError, rawRequest, startSim, type StartedSim } from '../helpers/sim.js';

const BOUNDARY = '----pxrtestBOUNDARY7';

function multipart(fields: [string, string][], file?: { filename: string; data: Buffer }): Buffer {
  const parts: Buffer[] = [];
  for (const [k, v] of fields) {
    parts.push(
      Buffer.from(`--${BOUNDARY}\r\nContent-Disposition: form-data; name="${k}"\r\n\r\n${v}\r\n`),
    );
  }
  if (file) {
    parts.push(
      Buffer.from(
        `--${BOUNDARY}\r\nContent-Disposition: form-data; name="filename"; filename="${file.filename}"\r\n` +
          'Content-Type: application/octet-stream\r\n\r\n',
      ),
      file.data,
      Buffer.from('\r\n'),
    );
  }
  parts.push(Buffer.from(`--${BOUNDARY}--\r\n`));
  return Buffer.concat(parts);
}

describe('storage download-url and upload over HTTP', () => {
  const clock = new ManualClock();
  let s: StartedSim;
  const pve = () => s.api.nodes.$('pve');
  const post = (
    storage: string,
    body: Buffer,
    ctype = `multipart/form-data; boundary=${BOUNDARY}`,
  ) =>
    rawRequest(`${s.url}/api2/json/nodes/pve/storage/${storage}/upload`, {
      method: 'POST',
      headers: {
        Authorization: s.authHeader,
        'Content-Type': ctype,
        'Content-Length': String(body.length),
      },
      body,
    });
  const taskEnd = async (upid: string) => {
    clock.advance(5000);
    const st = await pve().tasks.$(upid).status.$get();
    const log = (await pve().tasks.$(upid).log.$get()).map((l) => l.t);
    return { exitstatus: st.exitstatus, log };
  };
  const contentOf = async (storage: string) =>
    (await pve().storage.$(storage).content.$get()) as {
      volid: string;
      size: number;
      format: string;
    }[];

  before(async () => {
    s = await startSim({ clock });
  });
  after(() => s.close());

  // download_url: a `download` worker named after the file; download_file_from_url logs the URL.
  // The simulator fetches nothing: the volume appears with size 0 when the task ends.
  test('download-url starts a download task that creates the volume', async () => {
    const url = 'https://example.invalid/images/alpine-virt-3.20.iso';
    const upid = String(
      await pve().storage.$('local')['download-url'].$post({
        url,
        content: 'iso',
        filename: 'alpine virt.iso',
        'verify-certificates': false,
      }),
    );
    assert.match(upid, /^UPID:pve:[0-9A-F]{8}:[0-9A-F]{8}:[0-9A-F]{8}:download:alpine_virt\.iso:/);
    // Not there while the task runs.
    assert.ok(!(await contentOf('local')).some((v) => v.volid === 'local:iso/alpine_virt.iso'));
    const end = await taskEnd(upid);
    assert.equal(end.exitstatus, 'OK');
    assert.equal(end.log[0], `downloading ${url} to /var/lib/vz/template/iso/alpine_virt.iso`);
    assert.equal(end.log.at(-1), 'TASK OK');
    const vol = (await contentOf('local')).find((v) => v.volid === 'local:iso/alpine_virt.iso');
    assert.deepEqual(vol && { format: vol.format, size: vol.size }, { format: 'iso', size: 0 });
  });

  // download_url checks storage, path, content, then the name; download_file_from_url refuses an
  // existing target inside the worker, so the API answers a UPID and the task fails.
  test('download-url errors: unknown storage, not file based, content, name, existing file', async () => {
    const dl = (storage: string, p: Record<string, unknown>) => {
      const ep = pve().storage.$(storage)['download-url'];
      return pveError(ep.$post({ url: 'https://example.invalid/x', ...p } as never));
    };
    const base = { content: 'vztmpl', filename: 'x.tar.zst' };
    assert.equal((await dl('nope', base)).message, "storage 'nope' does not exist\n");
    assert.equal(
      (await dl('local-lvm', base)).message,
      "can't upload to storage type 'lvmthin', not a file based storage!\n",
    );
    const local = s.sim.state.nodes['pve']!.storages['local']!;
    const content = local.content;
    local.content = content.filter((c) => c !== 'import');
    assert.equal(
      (await dl('local', { content: 'import', filename: 'disk.qcow2' })).message,
      "storage 'local' is not configured for content-type 'import'\n",
    );
    local.content = content;
    const ext = await dl('local', { content: 'vztmpl', filename: 'x.tar.zst.bak' });
    assert.deepEqual([ext.status, ext.errors], [400, { filename: 'wrong file extension' }]);
    const url = await dl('local', { ...base, url: 'ftp://example.invalid/x' });
    assert.deepEqual(url.errors, { url: 'value does not match the regex pattern' });
    const req = await dl('local', { ...base, checksum: 'abc' });
    assert.deepEqual(req.errors, {
      'checksum-algorithm': "missing property - 'checksum' requires this property",
    });

    const upid = String(
      await pve().storage.$('local')['download-url'].$post({
        url: 'https://example.invalid/debian.tar.zst',
        content: 'vztmpl',
        filename: 'debian-12-standard_12.7-1_amd64.tar.zst',
      }),
    );
    const end = await taskEnd(upid);
    const dest = '/var/lib/vz/template/cache/debian-12-standard_12.7-1_amd64.tar.zst';
    assert.equal(end.exitstatus, `refusing to override existing file '${dest}'`);
    assert.equal(end.log.at(-1), `TASK ERROR: refusing to override existing file '${dest}'`);
  });

  // upload: pveproxy stores the multipart file part in /var/tmp/pveupload-* and the handler runs
  // an `imgcopy` worker (no worker id) that copies it; the volume has the uploaded size.
  test('upload (multipart) creates the volume with the uploaded bytes', async () => {
    const data = Buffer.alloc(4096, 7);
    const sha = createHash('sha256').update(data).digest('hex');
    const r = await post(
      'local',
      multipart(
        [
          ['content', 'vztmpl'],
          ['checksum-algorithm', 'sha256'],
          ['checksum', sha],
        ],
        { filename: 'my tmpl.tar.gz', data },
      ),
    );
    assert.equal(r.status, 200, r.body);
    const upid = String((JSON.parse(r.body) as { data: string }).data);
    assert.match(upid, /^UPID:pve:[0-9A-F]{8}:[0-9A-F]{8}:[0-9A-F]{8}:imgcopy::root@pam!pxr:$/);
    const end = await taskEnd(upid);
    assert.equal(end.exitstatus, 'OK');
    assert.match(end.log[0] ?? '', /^starting file import from: \/var\/tmp\/pveupload-[0-9a-f]+$/);
    assert.ok(end.log.includes('calculating checksum...OK, checksum verified'));
    assert.ok(end.log.includes('file size is: 4096'));
    assert.ok(end.log.includes('target file: /var/lib/vz/template/cache/my_tmpl.tar.gz'));
    const vol = (await contentOf('local')).find((v) => v.volid === 'local:vztmpl/my_tmpl.tar.gz');
    assert.deepEqual(vol && { format: vol.format, size: vol.size }, { format: 'tgz', size: 4096 });

    // "we simply overwrite the destination file if it already exists"
    const again = await post(
      'local',
      multipart([['content', 'vztmpl']], { filename: 'my tmpl.tar.gz', data: Buffer.from('tiny') }),
    );
    assert.equal((await taskEnd(String(JSON.parse(again.body).data))).exitstatus, 'OK');
    const vol2 = (await contentOf('local')).find((v) => v.volid === 'local:vztmpl/my_tmpl.tar.gz');
    assert.equal(vol2?.size, 4);
  });

  // upload: checks storage and path, then the name, then the content; a wrong checksum fails the
  // worker ("checksum mismatch: got '...' != expect '...'").
  test('upload errors: unknown storage, not file based, content, name, checksum', async () => {
    const file = { filename: 'a.iso', data: Buffer.from('iso bytes') };
    const msg = async (storage: string, body: Buffer) => {
      const r = await post(storage, body);
      return { status: r.status, ...(JSON.parse(r.body) as { message: string; errors?: unknown }) };
    };
    assert.equal(
      (await msg('nope', multipart([['content', 'iso']], file))).message,
      "storage 'nope' does not exist\n",
    );
    assert.equal(
      (await msg('local-lvm', multipart([['content', 'iso']], file))).message,
      "can't upload to storage type 'lvmthin'\n",
    );
    const local = s.sim.state.nodes['pve']!.storages['local']!;
    const content = local.content;
    local.content = content.filter((c) => c !== 'import');
    assert.equal(
      (await msg('local', multipart([['content', 'import']], { ...file, filename: 'd.qcow2' })))
        .message,
      "storage 'local' does not support 'import' content\n",
    );
    local.content = content;
    const ext = await msg('local', multipart([['content', 'iso']], { ...file, filename: 'a.txt' }));
    assert.deepEqual([ext.status, ext.errors], [400, { filename: 'wrong file extension' }]);
    const nofile = await msg(
      'local',
      multipart([
        ['content', 'iso'],
        ['filename', 'a.iso'],
      ]),
    );
    assert.equal(nofile.message, 'missing temporary file name\n');

    const bad = await post(
      'local',
      multipart(
        [
          ['content', 'iso'],
          ['checksum-algorithm', 'md5'],
          ['checksum', '0'.repeat(32)],
        ],
        file,
      ),
    );
    const end = await taskEnd(String(JSON.parse(bad.body).data));
    const got = createHash('md5').update(file.data).digest('hex');
    assert.equal(end.exitstatus, `checksum mismatch: got '${got}' != expect '${'0'.repeat(32)}'`);
    assert.ok(!(await contentOf('local')).some((v) => v.volid === 'local:iso/a.iso'));
  });

  // pve-http-server AnyEvent.pm: multipart only on the upload route (506 elsewhere), a body over
  // $limit_max_post is refused, a malformed multipart body is a clean 400.
  test('multipart is accepted on the upload route only, bounded and parsed safely', async () => {
    const body = multipart([['content', 'iso']]);
    const other = await rawRequest(`${s.url}/api2/json/nodes/pve/storage/local/download-url`, {
      method: 'POST',
      headers: {
        Authorization: s.authHeader,
        'Content-Type': `multipart/form-data; boundary=${BOUNDARY}`,
        'Content-Length': String(body.length),
      },
      body,
    });
    assert.equal(other.status, 506);
    const big = Buffer.alloc(MAX_BODY_BYTES + 1, 1);
    assert.equal((await post('local', big)).status, 501);
    const broken = await post('local', Buffer.from(`--${BOUNDARY}\r\nno header end`));
    assert.equal(broken.status, 400);
    const noBoundary = await post('local', body, 'multipart/form-data');
    assert.equal(noBoundary.status, 506);
  });
});
