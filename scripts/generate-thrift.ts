/**
 * Generates src/mg/thrift/generated/*.ts from proto/*.thrift: TypeScript types for every struct, union, exception,
 * enum and service, plus a schema description (plain data) that the runtime codec in src/mg/thrift walks.
 * Run with `npm run generate:thrift`; the output is committed and formatted with biome. The steps live in
 * scripts/thrift-generator/: load the IDL and resolve names (idl.ts), build the schema data (schema-data.ts),
 * render TypeScript (render.ts).
 */
import { execFileSync } from "node:child_process";
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { type IdlFile, loadIdl } from "./thrift-generator/idl.js";
import { moduleFileOf, renderFile, renderIndex } from "./thrift-generator/render.js";

/** In dependency order, so a file's includes are loaded before it. */
const IDL_FILES = ["base", "msgpack", "state_processing", "event_sink", "lifecycle_sink"] as const;
function main(): void {
  const root = fileURLToPath(new URL("../../", import.meta.url));
  if (!existsSync(join(root, "proto", "base.thrift"))) throw new Error(`no proto/ under ${root}`);
  const files = new Map<string, IdlFile>();
  for (const id of IDL_FILES)
    files.set(id, loadIdl(id, readFileSync(join(root, "proto", `${id}.thrift`), "utf8")));
  const outputs = new Map(
    [...files.values()].map((file) => [moduleFileOf(file.id), renderFile(file, files)]),
  );
  outputs.set("index", renderIndex([...files.keys()]));
  const written = [...outputs].map(([name, text]) => {
    const path = join(root, "src", "mg", "thrift", "generated", `${name}.ts`);
    writeFileSync(path, text);
    return path;
  });
  // Formatting is biome's job, so the generated files look like the rest of the code and stay stable.
  execFileSync(join(root, "node_modules", ".bin", "biome"), ["check", "--write", ...written], {
    stdio: "inherit",
  });
  console.log(`generated ${written.length} files`);
}
main();
