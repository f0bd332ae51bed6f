// CRC-32 (IEEE 802.3, reflected 0xEDB88320), same value as zlib's crc32(init, data). Pure so the
// decoder core runs in browsers; the Node writer uses zlib.crc32, and a test pins them together.

const TABLE = buildTable();

function buildTable(): Uint32Array {
  const table = new Uint32Array(256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    table[n] = c >>> 0;
  }
  return table;
}

/** `init` continues a running CRC (zlib semantics), which is how crash-buffer frames are bound to a generation. */
export function crc32(data: Uint8Array, init = 0): number {
  let c = ~init >>> 0;
  for (let i = 0; i < data.length; i++) c = TABLE[(c ^ data[i]) & 0xff] ^ (c >>> 8);
  return ~c >>> 0;
}
