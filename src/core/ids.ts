// Grant and request ids: a prefix and 26 base-36 characters from 128 random bits.
// The randomness comes from the caller so this file stays free of node:* imports.

export function formatId(prefix: 'g' | 'r', random: Uint8Array): string {
  let value = 0n;
  for (const byte of random.subarray(0, 16)) value = (value << 8n) | BigInt(byte);
  return `${prefix}_${value.toString(36).padStart(26, '0').slice(-26)}`;
}
