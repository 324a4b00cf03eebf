// Splits a command line into argv the way a POSIX shell would — quotes, backslash escapes, empty
// quoted words — without ever running a shell. Operators (|, &&, ;, >) are not interpreted: they
// stay ordinary words, as in kured; use `sh -c '…'` for shell features.

export class CommandSplitError extends Error {}

const BLANK = new Set([' ', '\t', '\n', '\r']);
/** Inside double quotes a backslash escapes only these (POSIX "Double-Quotes"). */
const DOUBLE_QUOTE_ESCAPABLE = new Set(['$', '`', '"', '\\', '\n']);

export function splitCommand(text: string): string[] {
  const words: string[] = [];
  let word = '';
  // A word exists once any character or quote was seen: '' and "" yield an empty argument.
  let inWord = false;
  let i = 0;
  const end = () => {
    if (inWord) words.push(word);
    word = '';
    inWord = false;
  };
  while (i < text.length) {
    const c = text[i]!;
    if (BLANK.has(c)) {
      end();
      i++;
    } else if (c === '\\') {
      if (i + 1 >= text.length) throw new CommandSplitError('the command ends with a lone backslash');
      // Backslash-newline is a line continuation and disappears.
      if (text[i + 1] !== '\n') {
        word += text[i + 1];
        inWord = true;
      }
      i += 2;
    } else if (c === "'") {
      const close = text.indexOf("'", i + 1);
      if (close === -1) throw new CommandSplitError('a single quote is not closed');
      word += text.slice(i + 1, close);
      inWord = true;
      i = close + 1;
    } else if (c === '"') {
      inWord = true;
      i++;
      for (;;) {
        if (i >= text.length) throw new CommandSplitError('a double quote is not closed');
        const d = text[i]!;
        if (d === '"') break;
        if (d === '\\' && i + 1 < text.length && DOUBLE_QUOTE_ESCAPABLE.has(text[i + 1]!)) {
          if (text[i + 1] !== '\n') word += text[i + 1];
          i += 2;
        } else {
          word += d;
          i++;
        }
      }
      i++;
    } else {
      word += c;
      inWord = true;
      i++;
    }
  }
  end();
  return words;
}
