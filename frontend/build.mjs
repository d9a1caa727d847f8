// Copy the browser assets the workbench uses from node_modules/ into
// src/zhizhi/web/static/vendor/ (git-ignored), and write vendor/manifest.json with their versions.
// Plain Node (no bundler): every file is already a ready-to-serve dist file.
import { cpSync, existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const here = dirname(fileURLToPath(import.meta.url));
const modules = join(here, "node_modules");
const out = join(here, "..", "src", "zhizhi", "web", "static", "vendor");

// package -> [source path inside the package, destination inside vendor/]
const FILES = {
  "htmx.org": [["dist/htmx.min.js", "htmx/htmx.min.js"]],
  echarts: [["dist/echarts.min.js", "echarts/echarts.min.js"]],
  leaflet: [
    ["dist/leaflet.js", "leaflet/leaflet.js"],
    ["dist/leaflet.js.map", "leaflet/leaflet.js.map"],
    ["dist/leaflet.css", "leaflet/leaflet.css"],
    ["dist/images", "leaflet/images"],
  ],
  "leaflet.markercluster": [
    ["dist/leaflet.markercluster.js", "leaflet.markercluster/leaflet.markercluster.js"],
    ["dist/leaflet.markercluster.js.map", "leaflet.markercluster/leaflet.markercluster.js.map"],
    ["dist/MarkerCluster.css", "leaflet.markercluster/MarkerCluster.css"],
    ["dist/MarkerCluster.Default.css", "leaflet.markercluster/MarkerCluster.Default.css"],
  ],
  bootstrap: [
    ["dist/css/bootstrap.min.css", "bootstrap/bootstrap.min.css"],
    ["dist/css/bootstrap.min.css.map", "bootstrap/bootstrap.min.css.map"],
    ["dist/js/bootstrap.bundle.min.js", "bootstrap/bootstrap.bundle.min.js"],
    ["dist/js/bootstrap.bundle.min.js.map", "bootstrap/bootstrap.bundle.min.js.map"],
  ],
};

rmSync(out, { recursive: true, force: true });
const manifest = {};
for (const [pkg, files] of Object.entries(FILES)) {
  const root = join(modules, pkg);
  const { version } = JSON.parse(readFileSync(join(root, "package.json"), "utf8"));
  manifest[pkg] = { version, files: [] };
  for (const [src, dest] of files) {
    const from = join(root, src);
    if (!existsSync(from)) throw new Error(`missing ${pkg}/${src}: run npm ci in frontend/`);
    const to = join(out, dest);
    mkdirSync(dirname(to), { recursive: true });
    cpSync(from, to, { recursive: true });
    manifest[pkg].files.push(dest);
  }
}
writeFileSync(join(out, "manifest.json"), JSON.stringify(manifest, null, 2) + "\n");
console.log(`vendor assets -> ${out}`);
for (const [pkg, { version }] of Object.entries(manifest)) console.log(`  ${pkg} ${version}`);
