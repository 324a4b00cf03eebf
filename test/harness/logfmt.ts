// A strict logfmt parser for tests, as go-logfmt (and so logrus' readers: Loki's `| logfmt`,
// `hl`, `lnav`) reads a line: `key=value` pairs separated by one space; a key is any run of
// printable characters without `=`, `"` or space; a value is bare (the same characters) or a
// double-quoted string with Go escapes (\" \\ \n \r \t \uXXXX). Anything else throws, so a test
// that parses every line of a log proves the whole log is logfmt.

export function parseLogfmt(line: string): Map<string, string> {
  const pairs = new Map<string, string>();
  let i = 0;
  const fail = (what: string): never => {
    throw new Error(`not logfmt at column ${i}: ${what}: ${line}`);
  };
  const bare = (c: string) => c > ' ' && c !== '=' && c !== '"' && c !== '\u007f';
  if (line.length === 0) fail('empty line');
  while (i < line.length) {
    const start = i;
    while (i < line.length && bare(line[i]!)) i++;
    if (i === start) fail('expected a key');
    const key = line.slice(start, i);
    if (pairs.has(key)) fail(`key "${key}" twice`);
    if (line[i] !== '=') fail(`expected "=" after key "${key}"`);
    i++;
    let value = '';
    if (line[i] === '"') {
      i++;
      for (;;) {
        if (i >= line.length) fail('unterminated quoted value');
        const c = line[i]!;
        if (c === '"') {
          i++;
          break;
        }
        if (c < ' ') fail('control character inside a quoted value');
        if (c !== '\\') {
          value += c;
          i++;
          continue;
        }
        const e = line[i + 1];
        const simple: Record<string, string> = { '"': '"', '\\': '\\', n: '\n', r: '\r', t: '\t', '/': '/', b: '\b', f: '\f' };
        if (e !== undefined && e in simple) {
          value += simple[e];
          i += 2;
        } else if (e === 'u' && /^[0-9a-fA-F]{4}$/.test(line.slice(i + 2, i + 6))) {
          value += String.fromCharCode(parseInt(line.slice(i + 2, i + 6), 16));
          i += 6;
        } else fail(`bad escape \\${e ?? ''}`);
      }
    } else {
      const begin = i;
      while (i < line.length && bare(line[i]!)) i++;
      value = line.slice(begin, i);
    }
    pairs.set(key, value);
    if (i < line.length) {
      if (line[i] !== ' ') fail('expected one space between pairs');
      i++;
      if (i >= line.length || line[i] === ' ') fail('extra space');
    }
  }
  return pairs;
}
