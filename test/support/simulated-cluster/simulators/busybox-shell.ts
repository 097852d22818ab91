/**
 * The part of busybox's `sh` that scripts pushed into a container use, run
 * against the container's files: lines, `&&`/`||`, `if …; then … else … fi`,
 * `;`, here-documents (`<<'END'` literal, `<<END` expanded), `$var`, `"$var"`, `$?`,
 * `$(…)`, `VAR=value` (a shell variable alone, a command's environment before
 * it), redirections (`>`, `>>`, `2>`, `2>&1`, `&>`, `/dev/null`), and the
 * builtins `:`, `true`, `false`, `[`/`test` (-n, -z, =, !=, -eq, -ne), `echo`, `cat`
 * and `kill`. Every other command is the container's to run (`commands`);
 * one nobody knows is `not found` (127). Without `set -e` a failure does not
 * stop the script; its status is the last command's.
 */

/** Where a command's output goes: the caller's streams or a file. */
export interface Streams {
  readonly out: (text: string) => void;
  readonly err: (text: string) => void;
}

export interface ShellCommand {
  readonly words: readonly string[];
  readonly env: Readonly<Record<string, string>>;
  readonly stdin: string;
  readonly streams: Streams;
}

export interface ShellHost {
  readonly files: Map<string, string>;
  /** Runs a command that is not a builtin; undefined when the container has no such command. */
  run(command: ShellCommand): number | undefined;
  /** `kill -<signal> <pid>`: whether a process with that pid got the signal. */
  signal(pid: number, signal: string): boolean;
}

export interface ShellResult {
  readonly exitCode: number;
  readonly stdout: string;
  readonly stderr: string;
}

type Statement =
  | {
      readonly kind: 'line';
      readonly text: string;
      readonly heredoc?: { readonly body: string; readonly literal: boolean };
    }
  | { readonly kind: 'if'; readonly condition: string; readonly then: Statement[]; readonly otherwise: Statement[] };

export function runScript(host: ShellHost, script: string): ShellResult {
  let stdout = '';
  let stderr = '';
  const shell = new Shell(host, { out: (text) => (stdout += text), err: (text) => (stderr += text) });
  const statements = parse(new Reader(script.split('\n')), []);
  const exitCode = shell.block(statements);
  return { exitCode, stdout, stderr };
}

/** Reads statements one at a time: a line splits at `;` and before `then`/`else`/`fi`; here-document bodies are taken whole. */
class Reader {
  readonly #lines: readonly string[];
  #at = 0;
  readonly #pending: string[] = [];

  constructor(lines: readonly string[]) {
    this.#lines = lines;
  }

  peek(): string | undefined {
    if (this.#pending.length === 0 && this.#at < this.#lines.length)
      this.#pending.push(...segments(this.#lines[this.#at++] ?? ''));
    return this.#pending[0];
  }

  next(): string | undefined {
    const segment = this.peek();
    this.#pending.shift();
    return segment;
  }

  /** The lines up to the marker line, as a here-document's body. */
  body(marker: string): string {
    const body: string[] = [];
    while (this.#at < this.#lines.length && this.#lines[this.#at] !== marker) body.push(this.#lines[this.#at++] ?? '');
    this.#at += 1;
    return body.map((entry) => `${entry}\n`).join('');
  }
}

function segments(line: string): string[] {
  return splitOutsideQuotes(line, /(;)/)
    .filter((part) => part !== ';')
    .flatMap((part) => {
      const trimmed = part.trim();
      const keyword = /^(then|else|fi)(\s+(.*))?$/.exec(trimmed);
      return keyword ? [keyword[1] ?? '', keyword[3] ?? ''] : [trimmed];
    })
    .filter((segment) => segment !== '' && !segment.startsWith('#'));
}

function parse(reader: Reader, until: readonly string[]): Statement[] {
  const statements: Statement[] = [];
  for (let segment = reader.peek(); segment !== undefined; segment = reader.peek()) {
    if (until.includes(segment)) return statements;
    reader.next();
    const opening = /^if\s+(.*)$/.exec(segment);
    if (opening) {
      if (reader.next() !== 'then') throw new Error(`sh: syntax error: \`if\` without \`then\` (${segment})`);
      const then = parse(reader, ['else', 'fi']);
      const closing = reader.next();
      const otherwise = closing === 'else' ? parse(reader, ['fi']) : [];
      if (closing === 'else') reader.next();
      statements.push({ kind: 'if', condition: opening[1] ?? '', then, otherwise });
      continue;
    }
    const heredoc = /<<(-?)(['"]?)(\w+)\2/.exec(segment);
    if (heredoc) {
      statements.push({
        kind: 'line',
        text: segment.replace(heredoc[0], ''),
        heredoc: { body: reader.body(heredoc[3] ?? ''), literal: heredoc[2] !== '' },
      });
      continue;
    }
    statements.push({ kind: 'line', text: segment });
  }
  return statements;
}

class Shell {
  readonly #host: ShellHost;
  readonly #streams: Streams;
  readonly #vars = new Map<string, string>();
  /** `$?`. */
  #status = 0;

  constructor(host: ShellHost, streams: Streams) {
    this.#host = host;
    this.#streams = streams;
  }

  block(statements: readonly Statement[]): number {
    let status = 0;
    for (const statement of statements) {
      if (statement.kind === 'if') {
        status =
          this.#list(statement.condition, '') === 0 ? this.block(statement.then) : this.block(statement.otherwise);
        continue;
      }
      const stdin = statement.heredoc
        ? statement.heredoc.literal
          ? statement.heredoc.body
          : this.#expand(statement.heredoc.body)
        : '';
      status = this.#list(statement.text, stdin);
    }
    return status;
  }

  /** `a && b || c; d`, left to right. */
  #list(text: string, stdin: string): number {
    const parts = splitOutsideQuotes(text, /(&&|\|\||;)/);
    this.#status = this.#simple(parts[0] ?? '', stdin, this.#streams);
    for (let index = 1; index < parts.length; index += 2) {
      const operator = parts[index];
      if (operator === ';' || (operator === '&&' && this.#status === 0) || (operator === '||' && this.#status !== 0))
        this.#status = this.#simple(parts[index + 1] ?? '', stdin, this.#streams);
    }
    return this.#status;
  }

  #simple(text: string, stdin: string, streams: Streams): number {
    const tokens = this.#words(text.trim());
    const env: Record<string, string> = {};
    let out = streams.out;
    let err = streams.err;
    const words: string[] = [];
    for (let index = 0; index < tokens.length; index += 1) {
      const token = tokens[index] ?? '';
      const redirect = /^(2>&1|&>>?|2>>?|>>?)(.*)$/.exec(token);
      if (redirect && redirect[1] !== undefined) {
        const operator = redirect[1];
        if (operator === '2>&1') {
          err = out;
          continue;
        }
        const target = redirect[2] !== '' ? (redirect[2] ?? '') : (tokens[++index] ?? '');
        const sink = this.#fileSink(target, operator.endsWith('>>'));
        if (operator.startsWith('&')) {
          out = sink;
          err = sink;
        } else if (operator.startsWith('2')) err = sink;
        else out = sink;
        continue;
      }
      if (words.length === 0 && /^[A-Za-z_]\w*=/.test(token)) {
        const [name = '', ...value] = token.split('=');
        env[name] = value.join('=');
        continue;
      }
      words.push(token);
    }
    if (words.length === 0) {
      for (const [name, value] of Object.entries(env)) this.#vars.set(name, value);
      return 0;
    }
    return this.#command({ words, env, stdin, streams: { out, err } });
  }

  #command(command: ShellCommand): number {
    const [name = '', ...args] = command.words;
    const { out, err } = command.streams;
    switch (name) {
      case ':':
      case 'true':
        return 0;
      case 'false':
        return 1;
      case 'echo':
        out(`${args.join(' ')}\n`);
        return 0;
      case '[':
      case 'test':
        return test(name === '[' ? args.slice(0, -1) : args) ? 0 : 1;
      case 'cat':
        return this.#cat(args, command);
      case 'kill':
        return this.#kill(args, err);
      default: {
        const status = this.#host.run(command);
        if (status !== undefined) return status;
        err(`sh: ${name}: not found\n`);
        return 127;
      }
    }
  }

  #cat(args: readonly string[], { stdin, streams }: ShellCommand): number {
    if (args.length === 0) {
      streams.out(stdin);
      return 0;
    }
    let status = 0;
    for (const path of args) {
      const content = this.#host.files.get(path);
      if (content === undefined) {
        streams.err(`cat: can't open '${path}': No such file or directory\n`);
        status = 1;
      } else streams.out(content);
    }
    return status;
  }

  #kill(args: readonly string[], err: (text: string) => void): number {
    let signal = 'TERM';
    let pids = args;
    if (args[0]?.startsWith('-')) {
      signal = args[0].slice(1).replace(/^SIG/, '');
      pids = args.slice(1);
    }
    let status = 0;
    for (const pid of pids) {
      if (!/^\d+$/.test(pid)) {
        err(`sh: kill: invalid number '${pid}'\n`);
        status = 1;
      } else if (!this.#host.signal(Number(pid), signal)) {
        err(`sh: can't kill pid ${pid}: No such process\n`);
        status = 1;
      }
    }
    // busybox's kill given no pid at all (an empty substitution) reports success.
    return status;
  }

  #fileSink(path: string, append: boolean): (text: string) => void {
    if (path === '/dev/null') return () => undefined;
    const files = this.#host.files;
    if (!append || !files.has(path)) files.set(path, '');
    return (text) => files.set(path, (files.get(path) ?? '') + text);
  }

  /** Splits into words, expanding variables and command substitutions; an unquoted expansion to nothing is no word. */
  #words(text: string): string[] {
    const words: string[] = [];
    let word = '';
    let quoted = false;
    let index = 0;
    const flush = () => {
      if (word !== '' || quoted) words.push(word);
      word = '';
      quoted = false;
    };
    while (index < text.length) {
      const char = text[index] ?? '';
      if (/\s/.test(char)) {
        flush();
        index += 1;
      } else if (char === "'") {
        const end = text.indexOf("'", index + 1);
        word += text.slice(index + 1, end);
        quoted = true;
        index = end + 1;
      } else if (char === '"') {
        const end = closingQuote(text, index + 1);
        word += this.#expand(text.slice(index + 1, end));
        quoted = true;
        index = end + 1;
      } else if (char === '$') {
        const [value, length] = this.#expansion(text, index);
        word += value;
        index += length;
      } else {
        word += char;
        index += 1;
      }
    }
    flush();
    return words;
  }

  #expand(text: string): string {
    let result = '';
    for (let index = 0; index < text.length;) {
      if (text[index] === '$') {
        const [value, length] = this.#expansion(text, index);
        result += value;
        index += length;
      } else result += text[index++];
    }
    return result;
  }

  /** `$name`, `${name}`, `$?`, `$(command)`: the value and how many characters it took. */
  #expansion(text: string, index: number): [string, number] {
    if (text[index + 1] === '(') {
      let depth = 1;
      let end = index + 2;
      for (; end < text.length && depth > 0; end += 1) {
        if (text[end] === '(') depth += 1;
        if (text[end] === ')') depth -= 1;
      }
      let captured = '';
      this.#simple(text.slice(index + 2, end - 1), '', { out: (chunk) => (captured += chunk), err: this.#streams.err });
      return [captured.replace(/\n+$/, ''), end - index];
    }
    if (text[index + 1] === '?') return [String(this.#status), 2];
    const braced = /^\$\{(\w+)\}/.exec(text.slice(index));
    if (braced) return [this.#vars.get(braced[1] ?? '') ?? '', braced[0].length];
    const plain = /^\$(\w+)/.exec(text.slice(index));
    if (plain) return [this.#vars.get(plain[1] ?? '') ?? '', plain[0].length];
    return ['$', 1];
  }
}

function test(args: readonly string[]): boolean {
  if (args.length === 2 && args[0] === '-n') return (args[1] ?? '') !== '';
  if (args.length === 2 && args[0] === '-z') return (args[1] ?? '') === '';
  if (args.length === 3 && args[1] === '=') return args[0] === args[2];
  if (args.length === 3 && args[1] === '!=') return args[0] !== args[2];
  if (args.length === 3 && args[1] === '-eq') return Number(args[0]) === Number(args[2]);
  if (args.length === 3 && args[1] === '-ne') return Number(args[0]) !== Number(args[2]);
  if (args.length === 1) return (args[0] ?? '') !== '';
  return false;
}

function closingQuote(text: string, from: number): number {
  let depth = 0;
  for (let index = from; index < text.length; index += 1) {
    if (text[index] === '$' && text[index + 1] === '(') depth += 1;
    else if (text[index] === ')' && depth > 0) depth -= 1;
    else if (text[index] === '"' && depth === 0) return index;
  }
  return text.length;
}

/** Splits at operators that are not inside quotes or a substitution, keeping the operators. */
function splitOutsideQuotes(text: string, operator: RegExp): string[] {
  const parts: string[] = [];
  let current = '';
  let quote: string | undefined;
  let depth = 0;
  for (let index = 0; index < text.length; index += 1) {
    const char = text[index] ?? '';
    if (quote) {
      if (char === quote) quote = undefined;
      current += char;
      continue;
    }
    if (char === "'" || char === '"') quote = char;
    if (char === '(') depth += 1;
    if (char === ')') depth -= 1;
    const match = depth === 0 ? new RegExp(`^${operator.source}`).exec(text.slice(index)) : null;
    if (match) {
      parts.push(current, match[0]);
      current = '';
      index += match[0].length - 1;
      continue;
    }
    current += char;
  }
  parts.push(current);
  return parts;
}
