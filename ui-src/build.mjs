// One ESM bundle of the vendored libraries: node build.mjs (after npm ci).
import { build } from "esbuild";
import { fileURLToPath } from "node:url";
import path from "node:path";

const here = path.dirname(fileURLToPath(import.meta.url));
const out = path.join(here, "..", "src", "lanner", "ui", "static", "vendor", "lanner-vendor.js");

await build({
  entryPoints: [path.join(here, "vendor-entry.js")],
  bundle: true,
  format: "esm",
  minify: true,
  legalComments: "eof",
  target: ["chrome110", "firefox110", "safari16"],
  outfile: out,
  logLevel: "info",
});
