// Library entry: the CLI as a function, plus the building blocks other tools may reuse.
export { main, globalHelp } from "./main.js";
export { parseCommand, formatHelp, type CommandSpec, type OptionSpec } from "./args.js";
export { UsageError, CliError, describeError } from "./errors.js";
export { parseModelUri, resolveCacheDir, cachePathFor, type ModelUri } from "./pull/uri.js";
export { downloadFile, type DownloadOptions, type DownloadResult } from "./pull/download.js";
export { createApiServer, type ApiServerOptions, type ApiServer } from "./serve/server.js";
export { perplexityWindows, type PerplexityWindow } from "./perplexity-windows.js";
