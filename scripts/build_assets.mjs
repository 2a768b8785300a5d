// Copies the front-end files the site serves from installed npm packages into static/vendor/.
import { copyFileSync, mkdirSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const require = createRequire(join(root, "package.json"));
const vendor = join(root, "static", "vendor");
const files = {
  "modern-normalize.css": "modern-normalize/modern-normalize.css",
};

mkdirSync(vendor, { recursive: true });
for (const [target, source] of Object.entries(files)) {
  copyFileSync(require.resolve(source), join(vendor, target));
  console.log(`static/vendor/${target} <- ${source}`);
}
