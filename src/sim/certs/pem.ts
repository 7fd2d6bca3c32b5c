/**
 * PEM text checks of pve-common's PVE::Certificate (`check_pem`, `strip_leading_text`), used for
 * the `pem-certificate-chain` and `pem-string` parameter formats. Pure.
 */

const B64 = '[0-9A-Za-z+/]';
const WS = '[\\s\\n]*';

function escapeLabel(label: string): string {
  return label.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

function pemPattern(label: string): string {
  return (
    `-----BEGIN ${label}-----${WS}` +
    `(?:${B64}+\\s*\\n)*${B64}*(?:=\\s*\\n=|={0,2})?\\s*\\n` +
    `-----END ${label}-----${WS}`
  );
}

/** Drops anything before the first `-----BEGIN ...-----` line (text dumps, bag attributes). */
export function stripLeadingText(content: string): string {
  const i = content.search(/-----BEGIN .*?-----/);
  return i <= 0 ? content : content.slice(i);
}

/**
 * Whether `content` is PEM: one block with label `CERTIFICATE` by default, any label with
 * `anyLabel`, several blocks with `multiple`.
 */
export function isPem(
  content: string,
  opts: { anyLabel?: boolean; multiple?: boolean } = {},
): boolean {
  const one = pemPattern(opts.anyLabel ? '.*?' : escapeLabel('CERTIFICATE'));
  const re = opts.multiple ? `(?:${one}\\n+)*${one}` : one;
  // Perl's `$` also matches before a final newline.
  return new RegExp(`^${re}\\n?$`).test(stripLeadingText(content));
}

export const PEM_ERROR = 'not a valid PEM-formatted string.';

/** The first `CERTIFICATE` block of a chain, or undefined. */
export function firstCertificate(content: string): string | undefined {
  const m = /-----BEGIN CERTIFICATE-----[\s\S]*?-----END CERTIFICATE-----/.exec(content);
  return m?.[0];
}
