/** Error text from a target may echo what was sent (the key): PEM blocks are cut before it is shown. */
const PEM = /-----BEGIN [A-Z ]+-----[\s\S]*?(-----END [A-Z ]+-----|$)/g;

export function scrubPem(text: string): string {
  return text.replace(PEM, '[PEM redacted]');
}
