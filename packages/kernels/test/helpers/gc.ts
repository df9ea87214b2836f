// Forces full garbage collections (and lets N-API finalizers run) without --expose-gc on the
// command line: the flag is switched on at run time and `gc` taken from a fresh context.
import { setFlagsFromString } from "node:v8";
import { runInNewContext } from "node:vm";

setFlagsFromString("--expose-gc");
const gc = runInNewContext("gc") as () => void;

export async function collectGarbage(rounds = 4): Promise<void> {
  for (let k = 0; k < rounds; k++) {
    gc();
    await new Promise((resolve) => setImmediate(resolve));
  }
}
