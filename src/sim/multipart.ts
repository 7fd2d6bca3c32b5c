/**
 * A minimal `multipart/form-data` reader for the one route pveproxy accepts it on
 * (`POST /nodes/{node}/storage/{storage}/upload`, pve-http-server AnyEvent.pm
 * `file_upload_multipart`): text parts become parameters, the file part's bytes are kept and its
 * disposition `filename` is the `filename` parameter. The body is already bounded by the server's
 * body limit; anything malformed is a 400, never a crash.
 */
import { PveError } from './types.js';

export interface MultipartForm {
  fields: [string, string][];
  file?: { name: string; filename: string; data: Buffer };
}

/** The `boundary` parameter of a `multipart/form-data` Content-Type (RFC 2046: 1..70 chars). */
export function multipartBoundary(contentType: string): string | undefined {
  const m = /;\s*boundary=(?:"([^"]{1,70})"|([^\s;,]{1,70}))/i.exec(contentType);
  return m?.[1] ?? m?.[2];
}

function bad(msg: string): never {
  throw new PveError(400, `${msg}\n`);
}

function dispositionParam(header: string, key: string): string | undefined {
  const m = new RegExp(`;\\s*${key}="([^"]*)"`, 'i').exec(header);
  return m?.[1];
}

export function parseMultipart(body: Buffer, boundary: string): MultipartForm {
  const delim = Buffer.from(`--${boundary}`);
  const form: MultipartForm = { fields: [] };
  let pos = body.indexOf(delim);
  if (pos < 0) bad('multipart body without boundary');
  for (;;) {
    pos += delim.length;
    // `--` after a delimiter closes the body.
    if (body.subarray(pos, pos + 2).toString('latin1') === '--') return form;
    if (body.subarray(pos, pos + 2).toString('latin1') !== '\r\n') bad('malformed multipart body');
    pos += 2;
    const headEnd = body.indexOf('\r\n\r\n', pos);
    if (headEnd < 0) bad('malformed multipart part header');
    const headers = body.subarray(pos, headEnd).toString('utf8').split('\r\n');
    const next = body.indexOf(Buffer.concat([Buffer.from('\r\n'), delim]), headEnd + 4);
    if (next < 0) bad('multipart body is not terminated');
    const data = body.subarray(headEnd + 4, next);
    const disp = headers.find((h) => /^content-disposition:/i.test(h));
    const name = disp ? dispositionParam(disp, 'name') : undefined;
    if (!disp || name === undefined) bad('multipart part without a name');
    const filename = dispositionParam(disp, 'filename');
    if (filename !== undefined) {
      if (form.file) bad('only one file per upload');
      form.file = { name, filename, data: Buffer.from(data) };
    } else {
      form.fields.push([name, data.toString('utf8')]);
    }
    pos = next + 2;
  }
}
