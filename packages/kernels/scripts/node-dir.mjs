// Node's C headers already on this machine (npm's `nodedir`, the running node's prefix, or /usr),
// so native builds never download them.
import { existsSync } from "node:fs";
import { dirname, join } from "node:path";

export function nodeDir() {
  for (const dir of [process.env.npm_config_nodedir, dirname(dirname(process.execPath)), "/usr"]) {
    if (dir && existsSync(join(dir, "include", "node", "node_api.h"))) return dir;
  }
  return undefined;
}
