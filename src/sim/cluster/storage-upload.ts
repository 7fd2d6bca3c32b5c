/**
 * `POST /nodes/{node}/storage/{storage}/upload` and `.../download-url`, as pve-storage
 * `PVE/API2/Storage/Status.pm` `upload` and `download_url` validate and run them: a file-based
 * storage that allows the content type, a normalized file name with the content's extension, then
 * an `imgcopy` or `download` worker whose end adds `<storage>:<content>/<filename>` to the storage.
 *
 * The simulator NEVER fetches the URL of a download (no network): the `download` task only logs
 * that it "downloaded" it, and the volume it creates has size 0 because no bytes arrived. A given
 * checksum is therefore not verified for downloads; uploads have their bytes and are checked.
 */
import { createHash } from 'node:crypto';
import type { EndpointDef, ParamDef, RequestContext } from '../types.js';
import { die, paramError } from '../types.js';
import type { NodeState, StorageState } from '../state.js';
import { nodeParam, storageParam } from './params.js';
import { volumePath } from './volume-endpoints.js';

const UPLOAD_MS = 1000;
const DOWNLOAD_MS = 3000;

/** Plugin types with a `path` (the file-based ones); LVM, ZFS and RBD have none. */
const PATH_TYPES = new Set(['dir', 'nfs', 'cifs', 'cephfs', 'btrfs', 'glusterfs']);
/** pve-storage `PVE::Storage::Plugin` KNOWN_COMPRESSION_FORMATS (`decompressor_info('iso', ..)`). */
const COMPRESSIONS = new Set(['gz', 'lzo', 'zst', 'bz2']);

/** pve-storage PVE/Storage.pm `$ISO_EXT_RE_0`, `$VZTMPL_EXT_RE_1`, `$UPLOAD_IMPORT_EXT_RE_1`. */
const ISO_RE = /^[^/]+\.(?:iso|img)$/i;
const VZTMPL_RE = /^[^/]+\.(?:(tar)(?!\.)|tar\.(gz|xz|zst|bz2))$/i;
const IMPORT_RE = /^[a-zA-Z0-9\-.+=_]+\.(ova|qcow2|raw|vmdk)$/;

const ALGORITHMS = ['md5', 'sha1', 'sha224', 'sha256', 'sha384', 'sha512'] as const;

const COMMON: Record<string, ParamDef> = {
  node: nodeParam,
  storage: storageParam,
  content: { type: 'string', format: 'pve-storage-content', enum: ['iso', 'vztmpl', 'import'] },
  filename: { type: 'string', maxLength: 255 },
  checksum: { type: 'string', optional: true },
  'checksum-algorithm': { type: 'string', optional: true, enum: ALGORITHMS },
};

/** `perm /storage/{storage} [Datastore.AllocateTemplate]` (download-url also needs Sys.* on / or the node). */
const ALLOCATE_TEMPLATE = { path: '/storage/{storage}', privs: ['Datastore.AllocateTemplate'] };

/** PVE::JSONSchema check_object: `requires` names a property that must be present too. */
function checkRequires(params: Record<string, unknown>): void {
  for (const [k, req] of [
    ['checksum', 'checksum-algorithm'],
    ['checksum-algorithm', 'checksum'],
  ] as const) {
    if (params[k] !== undefined && params[req] === undefined)
      paramError({ [req]: `missing property - '${k}' requires this property` });
  }
}

/** `PVE::Storage::normalize_content_filename`. */
export function normalizeContentFilename(name: string): string {
  return name
    .replace(/\n$/, '')
    .replace(/^.*[/\\]/, '')
    .replace(/[^a-zA-Z0-9_.-]/g, '_');
}

function fileStorage(node: NodeState, id: string, notFileBased: string): StorageState {
  const st = node.storages[id];
  if (!st) return die(`storage '${id}' does not exist`);
  if (!PATH_TYPES.has(st.plugintype))
    return die(`can't upload to storage type '${st.plugintype}'${notFileBased}`);
  return st;
}

/** The content's extension check; the volume format the content listing then shows. */
function checkFilename(content: string, filename: string, notAllowed: string): string {
  if (content === 'iso') {
    if (!ISO_RE.test(filename)) paramError({ filename: 'wrong file extension' });
    return 'iso';
  }
  if (content === 'vztmpl') {
    const m = VZTMPL_RE.exec(filename);
    if (!m) return paramError({ filename: 'wrong file extension' });
    return m[1] ? 'tar' : `t${(m[2] as string).toLowerCase()}`;
  }
  if (content === 'import') {
    const m = IMPORT_RE.exec(filename);
    if (!m) return paramError({ filename: 'invalid filename or wrong extension' });
    return m[1] as string;
  }
  return paramError({ content: notAllowed });
}

function addVolume(
  ctx: RequestContext,
  st: StorageState,
  v: { volid: string; content: string; format: string; size: number },
): void {
  const old = st.volumes[v.volid];
  if (old) st.used = Math.max(0, st.used - old.size);
  st.volumes[v.volid] = { ...v, ctime: Math.floor(ctx.sim.clock.now() / 1000) };
  st.used += v.size;
  ctx.sim.touch();
}

function upload(ctx: RequestContext): unknown {
  const { sim, params } = ctx;
  checkRequires(params);
  const node = sim.node(params.node as string);
  const st = fileStorage(node, params.storage as string, '');
  const content = params.content as string;
  const tmp = params.tmpfilename as string | undefined;
  if (tmp === undefined) return die('missing temporary file name');
  // Only the multipart body of this request has a file: any other name does not exist here.
  const data = ctx.upload?.tmpfilename === tmp ? ctx.upload.data : undefined;
  if (!data) return die(`temporary file '${tmp}' does not exist`);
  const filename = normalizeContentFilename(params.filename as string);
  const format = checkFilename(content, filename, `upload content type '${content}' not allowed`);
  if (!st.content.includes(content))
    return die(`storage '${st.id}' does not support '${content}' content`);
  const volid = `${st.id}:${content}/${filename}`;
  const dest = volumePath(st, volid);
  const algorithm = params['checksum-algorithm'] as string | undefined;
  const expected = params.checksum as string | undefined;
  return sim.tasks.start({
    node: node.name,
    type: 'imgcopy',
    id: '',
    caller: ctx.caller,
    durationMs: UPLOAD_MS,
    begin(log) {
      log(`starting file import from: ${tmp}`);
      if (algorithm !== undefined && expected !== undefined) {
        const got = createHash(algorithm).update(data).digest('hex');
        if (got.toLowerCase() !== expected.toLowerCase()) {
          log('calculating checksum...');
          throw new Error(`checksum mismatch: got '${got}' != expect '${expected}'`);
        }
        log('calculating checksum...OK, checksum verified');
      }
    },
    run(log) {
      log(`target node: ${node.name}`);
      log(`target file: ${dest}`);
      log(`file size is: ${data.length}`);
      log(`command: cp -- ${tmp} ${dest}`);
      // Status.pm: "we simply overwrite the destination file if it already exists".
      addVolume(ctx, st, { volid, content, format, size: data.length });
      log('finished file import successfully');
    },
  });
}

function downloadUrl(ctx: RequestContext): unknown {
  const { sim, params } = ctx;
  checkRequires(params);
  const node = sim.node(params.node as string);
  const st = fileStorage(node, params.storage as string, ', not a file based storage!');
  const content = params.content as string;
  const url = params.url as string;
  if (!st.content.includes(content))
    return die(`storage '${st.id}' is not configured for content-type '${content}'`);
  const filename = normalizeContentFilename(params.filename as string);
  const format = checkFilename(
    content,
    filename,
    `upload content-type '${content}' is not allowed`,
  );
  const volid = `${st.id}:${content}/${filename}`;
  const dest = volumePath(st, volid);
  const compression = params.compression as string | undefined;
  return sim.tasks.start({
    node: node.name,
    type: 'download',
    // PVE::Tools::encode_text of a normalized name changes nothing.
    id: filename,
    caller: ctx.caller,
    durationMs: DOWNLOAD_MS,
    begin(log) {
      if (compression !== undefined) {
        if (content !== 'iso') throw new Error(`decompression not supported for ${content}`);
        if (!COMPRESSIONS.has(compression)) throw new Error('no decompression method found');
      }
      // PVE::Tools::download_file_from_url: an existing target is never replaced (with a
      // checksum Proxmox would hash the existing file; the simulator has no bytes to hash).
      log(`downloading ${url} to ${dest}`);
      if (st.volumes[volid]) throw new Error(`refusing to override existing file '${dest}'`);
    },
    run(log) {
      // No network: nothing is fetched, the volume appears empty.
      log(`simulator: ${url} was not fetched (no network), created an empty file`);
      addVolume(ctx, st, { volid, content, format, size: 0 });
      log(`download of '${url}' to '${dest}' finished`);
    },
  });
}

export const storageUploadEndpoints: EndpointDef[] = [
  {
    method: 'POST',
    path: '/nodes/{node}/storage/{storage}/upload',
    params: {
      ...COMMON,
      tmpfilename: { type: 'string', optional: true, pattern: '/var/tmp/pveupload-[0-9a-f]+' },
    },
    permission: ALLOCATE_TEMPLATE,
    returns: 'string',
    handler: upload,
  },
  {
    method: 'POST',
    path: '/nodes/{node}/storage/{storage}/download-url',
    params: {
      ...COMMON,
      url: { type: 'string', pattern: 'https?://.*' },
      // The schema's enum is null (a list constant in scalar context): any string passes here and
      // the worker refuses what it cannot decompress.
      compression: { type: 'string', optional: true },
      'verify-certificates': { type: 'boolean', optional: true, default: 1 },
    },
    permission: ALLOCATE_TEMPLATE,
    returns: 'string',
    handler: downloadUrl,
  },
];
