import { defineConfig } from "tsup";

// One ESM build: the library entry (with types) and the `ryzen` bin. The bin's
// `#!/usr/bin/env node` line comes from src/bin.ts (esbuild keeps it; tsup marks the file executable).
// Commands are loaded with dynamic import(), so they land in separate chunks and
// `ryzen --help` never loads the native addon.
export default defineConfig({
  entry: { index: "src/index.ts", bin: "src/bin.ts" },
  format: ["esm"],
  dts: { entry: { index: "src/index.ts" } },
  splitting: true,
  sourcemap: true,
  clean: true,
  target: "node20",
});
