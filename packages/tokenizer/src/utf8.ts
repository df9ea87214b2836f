// UTF-8 encoding shared by the models (TextEncoder exists in Node and browsers).

const encoder = new TextEncoder();

export function utf8Encode(s: string): Uint8Array {
  return encoder.encode(s);
}
