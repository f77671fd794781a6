/** PEM armour (RFC 7468): 64-character base64 lines, a trailing newline so blocks concatenate. */
export function toPem(der: Uint8Array, label: string): string {
  const base64 = Buffer.from(der.buffer, der.byteOffset, der.byteLength).toString('base64');
  const lines = base64.match(/.{1,64}/g) ?? [];
  return `-----BEGIN ${label}-----\n${lines.join('\n')}\n-----END ${label}-----\n`;
}

export interface PemBlock {
  label: string;
  der: Uint8Array<ArrayBuffer>;
  /** The block as it appeared, re-armoured canonically. */
  pem: string;
}

/** Every PEM block in `text`, in order; text outside blocks is ignored. */
export function parsePemBlocks(text: string): PemBlock[] {
  const blocks: PemBlock[] = [];
  const pattern = /-----BEGIN ([A-Z0-9 ]+)-----([\s\S]*?)-----END \1-----/g;
  for (const match of text.matchAll(pattern)) {
    const label = match[1] ?? '';
    const body = (match[2] ?? '').replace(/\s+/g, '');
    const der = new Uint8Array(Buffer.from(body, 'base64'));
    blocks.push({ label, der, pem: toPem(der, label) });
  }
  return blocks;
}
