/**
 * Proves phash2/mgPartition equal Erlang's own `erlang:phash2/1` and `phash2(Key) rem N` (MG's Kafka partition):
 * a few thousand keys (ASCII, UTF-8, empty, arbitrary bytes, every length around the 12-byte blocks, long keys up
 * to 100 KiB) go to one `erl -noshell -eval` run, which hashes each as a binary, and every answer is compared.
 */
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import { kafkaKey } from "../../../src/mg/kafka/kafka-messages.js";
import { mgPartition, phash2 } from "../../../src/mg/kafka/phash2.js";

const PARTITION_COUNTS = [1, 3, 12, 64, 100, 1000] as const;

/** A small deterministic generator (xorshift32), so a failure names a key that can be reproduced. */
function randomSource(seed: number): () => number {
  let state = seed >>> 0 || 1;
  return () => {
    state ^= state << 13;
    state >>>= 0;
    state ^= state >>> 17;
    state ^= state << 5;
    state >>>= 0;
    return state;
  };
}

function referenceKeys(): Uint8Array[] {
  const next = randomSource(0x5eed);
  const utf8 = (text: string) => new TextEncoder().encode(text);
  const keys: Uint8Array[] = [new Uint8Array(0), utf8("ns id"), utf8(" "), utf8("invoice 1Abc")];
  for (let index = 0; index < 1500; index += 1) keys.push(kafkaKey(`ns${index % 17}`, `machine-${index}`));
  const alphabet = ["a", "Z", "0", " ", "я", "Ж", "€", "中", "😀", "\u0000", "é", "\u{10ffff}"];
  for (let index = 0; index < 600; index += 1) {
    const length = next() % 40;
    let text = "";
    for (let char = 0; char < length; char += 1) text += alphabet[next() % alphabet.length];
    keys.push(kafkaKey(`пространство${index % 5}`, text));
  }
  for (let length = 0; length <= 300; length += 1) {
    keys.push(Uint8Array.from({ length }, () => next() & 0xff));
  }
  for (const length of [511, 512, 513, 1023, 1024, 1025, 1037, 2048, 4095, 4096, 4097, 65_536, 102_400]) {
    for (let copy = 0; copy < 3; copy += 1) keys.push(Uint8Array.from({ length }, () => next() & 0xff));
  }
  for (let index = 0; index < 700; index += 1) {
    const length = next() % 2000;
    keys.push(Uint8Array.from({ length }, () => next() & 0xff));
  }
  for (let byte = 0; byte < 256; byte += 1) keys.push(Uint8Array.of(byte));
  return keys;
}

/** One Erlang run: each line `k<hex>` in, `<phash2> <rem N>…` out, in the same order. */
function erlangAnswers(keys: readonly Uint8Array[]): string[] {
  const directory = mkdtempSync(join(tmpdir(), "ratchet-phash2-"));
  try {
    const input = join(directory, "keys.txt");
    writeFileSync(input, keys.map((key) => `k${Buffer.from(key).toString("hex")}\n`).join(""));
    const program = `
      {ok, Text} = file:read_file(os:getenv("PHASH2_KEYS")),
      Counts = [${PARTITION_COUNTS.join(", ")}],
      Answer = fun(<<"k", Hex/binary>>) ->
        Hash = erlang:phash2(binary:decode_hex(Hex)),
        [integer_to_list(Hash) | [[" ", integer_to_list(Hash rem N)] || N <- Counts]]
      end,
      Lines = binary:split(Text, <<"\\n">>, [global, trim_all]),
      ok = file:write_file(os:getenv("PHASH2_ANSWERS"), [[Answer(Line), "\\n"] || Line <- Lines]),
      halt().`;
    const output = join(directory, "answers.txt");
    execFileSync("erl", ["-noshell", "-eval", program], {
      env: { ...process.env, PHASH2_KEYS: input, PHASH2_ANSWERS: output },
      stdio: ["ignore", "inherit", "inherit"],
    });
    return readFileSync(output, "utf8").trimEnd().split("\n");
  } finally {
    rmSync(directory, { recursive: true, force: true });
  }
}

function erlangIsInstalled(): boolean {
  try {
    execFileSync("erl", ["-noshell", "-eval", "halt()."], { stdio: "ignore" });
    return true;
  } catch {
    return false;
  }
}

test("phash2 and mgPartition equal erlang:phash2/1 and its rem for every reference key", (t) => {
  if (!erlangIsInstalled()) {
    t.skip("erl is not installed: no reference values on this machine");
    return;
  }
  const keys = referenceKeys();
  const answers = erlangAnswers(keys);
  assert.equal(answers.length, keys.length, "one Erlang answer per key");
  let compared = 0;
  keys.forEach((key, index) => {
    const expected = answers[index]!.split(" ").map(Number);
    const ours = [phash2(key), ...PARTITION_COUNTS.map((count) => mgPartition(key, count))];
    assert.deepEqual(
      ours,
      expected,
      `key #${index} (${key.byteLength} bytes) ${Buffer.from(key).toString("hex").slice(0, 80)}`,
    );
    compared += 1;
  });
  assert.ok(compared >= 3000, `compared ${compared} keys`);
  t.diagnostic(`compared ${compared} keys with erlang:phash2/1 (OTP on this machine)`);
});

test("phash2 stays within 0 … 2^27 − 1 and mgPartition refuses a partition count below 1", () => {
  assert.equal(phash2(new TextEncoder().encode("ns id")), 9_776_574);
  for (const key of referenceKeys().slice(0, 200)) {
    const hash = phash2(key);
    assert.ok(Number.isInteger(hash) && hash >= 0 && hash < 2 ** 27);
  }
  assert.throws(() => mgPartition(new Uint8Array(0), 0), RangeError);
  assert.throws(() => mgPartition(new Uint8Array(0), 1.5), RangeError);
});
