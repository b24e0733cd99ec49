/** Intel HEX (the format avr-gcc builds are shipped in) → program memory words. */
export function parseIntelHex(text: string, flashBytes = 0x8000): Uint16Array {
  const bytes = new Uint8Array(flashBytes);
  let base = 0;
  for (const [i, raw] of text.split(/\r?\n/).entries()) {
    const line = raw.trim();
    if (line === '') continue;
    if (!line.startsWith(':')) throw new Error(`hex line ${i + 1}: does not start with ':'`);
    const count = parseInt(line.slice(1, 3), 16);
    const address = parseInt(line.slice(3, 7), 16);
    const type = parseInt(line.slice(7, 9), 16);
    if (type === 0x01) break;
    if (type === 0x02) base = parseInt(line.slice(9, 13), 16) << 4;
    else if (type === 0x04) base = parseInt(line.slice(9, 13), 16) << 16;
    else if (type === 0x00) {
      for (let b = 0; b < count; b++) {
        const at = base + address + b;
        if (at >= flashBytes) throw new Error(`hex line ${i + 1}: address 0x${at.toString(16)} beyond flash`);
        bytes[at] = parseInt(line.slice(9 + b * 2, 11 + b * 2), 16);
      }
    }
  }
  return new Uint16Array(bytes.buffer);
}
