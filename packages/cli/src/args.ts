// Declarative command specs over node:util parseArgs: one table drives parsing, value
// validation (integers, ranges, choices) and the --help text, so they cannot drift apart.
import { parseArgs } from "node:util";
import { UsageError } from "./errors.js";

export type OptionKind = "string" | "int" | "number" | "boolean";

export interface OptionSpec {
  kind: OptionKind;
  short?: string;
  description: string;
  /** Placeholder in help, e.g. "N" or "TEXT". */
  valueName?: string;
  default?: string | number | boolean;
  min?: number;
  max?: number;
  choices?: readonly string[];
  required?: boolean;
}

export interface PositionalSpec {
  name: string;
  description: string;
  optional?: boolean;
}

export interface CommandSpec {
  name: string;
  summary: string;
  positionals: readonly PositionalSpec[];
  options: Readonly<Record<string, OptionSpec>>;
  /** Extra lines printed after the options (examples, notes). */
  epilog?: string;
}

/** Options every command accepts. */
export const COMMON_OPTIONS: Readonly<Record<string, OptionSpec>> = {
  help: { kind: "boolean", short: "h", description: "show this help" },
  verbose: { kind: "boolean", description: "print stack traces and extra diagnostics" },
};

export class ParsedArgs {
  constructor(
    readonly command: string,
    readonly values: Readonly<Record<string, string | number | boolean | undefined>>,
    readonly positionals: readonly string[],
  ) {}

  private get(name: string): string | number | boolean | undefined {
    if (!(name in this.values)) throw new Error(`internal: option --${name} is not declared by ${this.command}`);
    return this.values[name];
  }
  str(name: string): string | undefined {
    const v = this.get(name);
    return v === undefined ? undefined : String(v);
  }
  num(name: string): number | undefined {
    const v = this.get(name);
    return typeof v === "number" ? v : undefined;
  }
  bool(name: string): boolean {
    return this.get(name) === true;
  }
  positional(index: number): string {
    return this.positionals[index] as string;
  }
}

function allOptions(spec: CommandSpec): Record<string, OptionSpec> {
  return { ...spec.options, ...COMMON_OPTIONS };
}

function convert(command: string, name: string, opt: OptionSpec, raw: string | boolean): string | number | boolean {
  if (opt.kind === "boolean") return raw;
  const text = String(raw);
  if (opt.kind === "string") {
    if (opt.choices && !opt.choices.includes(text)) {
      throw new UsageError(`${command}: --${name} must be one of ${opt.choices.join(", ")} (got "${text}")`);
    }
    return text;
  }
  const value = Number(text);
  const isInt = opt.kind === "int";
  if (text.trim() === "" || !Number.isFinite(value) || (isInt && !Number.isInteger(value))) {
    throw new UsageError(`${command}: --${name} expects ${isInt ? "an integer" : "a number"} (got "${text}")`);
  }
  if (opt.min !== undefined && value < opt.min) {
    throw new UsageError(`${command}: --${name} must be at least ${opt.min} (got ${text})`);
  }
  if (opt.max !== undefined && value > opt.max) {
    throw new UsageError(`${command}: --${name} must be at most ${opt.max} (got ${text})`);
  }
  return value;
}

/** Parse argv for one command. Throws UsageError with a one-line message on any problem. */
export function parseCommand(spec: CommandSpec, argv: readonly string[]): ParsedArgs {
  const options = allOptions(spec);
  const config: Record<string, { type: "string" | "boolean"; short?: string }> = {};
  for (const [name, opt] of Object.entries(options)) {
    config[name] = { type: opt.kind === "boolean" ? "boolean" : "string", ...(opt.short ? { short: opt.short } : {}) };
  }
  let parsed: ReturnType<typeof parseArgs>;
  try {
    parsed = parseArgs({ args: [...argv], options: config, allowPositionals: true, strict: true });
  } catch (err) {
    const message = (err as Error).message.split("\n")[0] ?? "invalid arguments";
    throw new UsageError(`${spec.name}: ${message.replace(/\.$/, "")}`);
  }
  const values: Record<string, string | number | boolean | undefined> = {};
  for (const [name, opt] of Object.entries(options)) {
    const raw = parsed.values[name];
    if (Array.isArray(raw)) throw new UsageError(`${spec.name}: --${name} given more than once`);
    values[name] = raw === undefined ? opt.default : convert(spec.name, name, opt, raw as string | boolean);
  }
  if (values.help) return new ParsedArgs(spec.name, values, parsed.positionals);

  const required = spec.positionals.filter((p) => !p.optional).length;
  if (parsed.positionals.length < required) {
    const missing = spec.positionals[parsed.positionals.length] as PositionalSpec;
    throw new UsageError(`${spec.name}: missing <${missing.name}>`);
  }
  if (parsed.positionals.length > spec.positionals.length) {
    throw new UsageError(`${spec.name}: unexpected argument "${parsed.positionals[spec.positionals.length]}"`);
  }
  for (const [name, opt] of Object.entries(options)) {
    if (opt.required && values[name] === undefined) throw new UsageError(`${spec.name}: --${name} is required`);
  }
  return new ParsedArgs(spec.name, values, parsed.positionals);
}

function optionLabel(name: string, opt: OptionSpec): string {
  const flag = `${opt.short ? `-${opt.short}, ` : "    "}--${name}`;
  if (opt.kind === "boolean") return flag;
  const value = opt.choices ? opt.choices.join("|") : (opt.valueName ?? (opt.kind === "string" ? "TEXT" : "N"));
  return `${flag} <${value}>`;
}

/** The --help text of a command. */
export function formatHelp(spec: CommandSpec): string {
  const usageArgs = spec.positionals.map((p) => (p.optional ? `[${p.name}]` : `<${p.name}>`)).join(" ");
  const lines = [`ryzen ${spec.name} — ${spec.summary}`, "", `Usage: ryzen ${spec.name} ${usageArgs} [options]`];
  if (spec.positionals.length > 0) {
    lines.push("", "Arguments:");
    const width = Math.max(...spec.positionals.map((p) => p.name.length)) + 4;
    for (const p of spec.positionals) lines.push(`  ${`<${p.name}>`.padEnd(width)}${p.description}`);
  }
  lines.push("", "Options:");
  const entries = Object.entries(allOptions(spec));
  const labels = entries.map(([name, opt]) => optionLabel(name, opt));
  const width = Math.min(Math.max(...labels.map((l) => l.length)) + 2, 40);
  entries.forEach(([, opt], i) => {
    const label = labels[i] as string;
    let text = opt.description;
    if (opt.default !== undefined && opt.kind !== "boolean") text += ` (default ${opt.default})`;
    if (opt.required) text += " (required)";
    lines.push(label.length >= width ? `  ${label}\n  ${"".padEnd(width)}${text}` : `  ${label.padEnd(width)}${text}`);
  });
  if (spec.epilog) lines.push("", spec.epilog.trimEnd());
  return lines.join("\n") + "\n";
}
