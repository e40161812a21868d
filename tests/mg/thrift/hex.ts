/** Hex dumps as the protocol document writes them ("80 01 00 01 …", any whitespace) ↔ bytes, for tests. */

export function bytesOf(dump: string): Uint8Array {
  const digits = dump.replace(/\s+/g, "");
  if (!/^([0-9a-f]{2})*$/i.test(digits)) throw new Error(`not a hex dump: ${dump}`);
  return new Uint8Array(Buffer.from(digits, "hex"));
}

export function hexOf(bytes: Uint8Array): string {
  return (Buffer.from(bytes).toString("hex").match(/../g) ?? []).join(" ");
}
