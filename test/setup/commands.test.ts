/**
 * Every external command the project's scripts call must come from a Debian
 * package a new machine has (../shared/machine/fresh-debian-packages.txt) or
 * one that `npm run setup` installs (its debian_packages list). A forgotten
 * package used to pass CI on a machine that kept it from earlier work and
 * stop a new user's setup (debootstrap, once): this test fails first.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, realpathSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';

/** Words at a command position that are not external commands. */
const shellWords = new Set(
  (
    'if then else elif fi for while until do done case esac in function select time ! { } [ [[ ]] test ' +
    'echo printf read cd pwd exit return set unset export local declare readonly shift trap wait eval exec ' +
    'source . true false break continue command builtin type hash umask mapfile readarray let getopts kill ulimit ' +
    'shopt alias disown jobs fg bg pushd popd dirs caller enable help logout suspend times'
  ).split(' '),
);

/**
 * The line with quoted data blanked out: single-quoted text, and double-quoted
 * text except the command substitutions inside it (which may nest quotes).
 */
function codeOf(line: string): string {
  let out = '';
  const stack: ('code' | 'double' | 'single')[] = ['code'];
  for (let i = 0; i < line.length; i++) {
    const char = line[i]!;
    const state = stack.at(-1)!;
    if (state === 'single') {
      if (char === "'") stack.pop();
      out += ' ';
    } else if (state === 'double') {
      if (char === '\\') {
        i++;
        out += '  ';
      } else if (char === '"') {
        stack.pop();
        out += ' ';
      } else if (char === '$' && line[i + 1] === '(') {
        stack.push('code');
        out += ' ; ';
        i++;
      } else out += ' ';
    } else {
      if (char === "'") {
        stack.push('single');
        out += ' ';
      } else if (char === '"') {
        stack.push('double');
        out += ' ';
      } else if (char === ')' && stack.length > 1) {
        stack.pop();
        out += ' ; ';
      } else out += char;
    }
  }
  return out;
}

/** Commands at the start of each pipeline segment, from shell text (heuristic: enough for scripts written plainly). */
export function commandsIn(script: string): Set<string> {
  const functions = new Set([...script.matchAll(/^\s*([A-Za-z_][\w-]*)\s*\(\)\s*\{/gm)].map((match) => match[1]!));
  const commands = new Set<string>();
  const withoutHeredocs = script.replace(/<<-?\s*['"]?(\w+)['"]?[^\n]*\n[\s\S]*?\n\s*\1(?:\n|$)/g, '\n');
  for (const rawLine of withoutHeredocs.split('\n')) {
    const line = rawLine.replace(/^\s*#.*$/, '').replace(/\s#\s.*$/, '');
    // A case arm's patterns (`debian | node)`) are data.
    if (/^\s*[\w.*|\s-]+\)(?!\))/.test(line) && !line.includes('$(')) continue;
    const code = codeOf(line.replace(/\$\(\([^)]*\)\)/g, ' '));
    for (const segment of code.split(/\|\||&&|[|;&]|\$\(|`|\(|\)/)) {
      const words = segment.trim().split(/\s+/).filter(Boolean);
      while (
        words.length &&
        (/^[A-Za-z_]\w*=/.test(words[0]!) ||
          [
            'then',
            'do',
            'else',
            '!',
            'time',
            'if',
            'while',
            'until',
            'exec',
            'sudo',
            'setsid',
            'nohup',
            'timeout',
          ].includes(words[0]!))
      ) {
        // `timeout 5 cmd`: the duration is not a command.
        if (words[0] === 'timeout') words.splice(0, 2);
        else words.shift();
      }
      const word = words[0];
      if (!word || !/^[a-z][\w.+-]*$/.test(word) || shellWords.has(word) || functions.has(word)) continue;
      commands.add(word);
    }
  }
  return commands;
}

function shellScripts(dir: string): string[] {
  return (
    readdirSync(dir, { withFileTypes: true, recursive: true })
      .filter((entry) => entry.isFile() && entry.name.endsWith('.sh'))
      .map((entry) => path.join(entry.parentPath, entry.name))
      // Entry points run inside the images they belong to, not on the host.
      .filter((file) => !file.endsWith('docker-entrypoint.sh'))
  );
}

/** `debian_packages=(pkg:command ...)` in scripts/setup.sh. */
function setupPackages(): string[] {
  const block = /debian_packages=\(([\s\S]*?)\n\)/.exec(readFileSync('scripts/setup.sh', 'utf8'))?.[1] ?? '';
  return [...block.matchAll(/^\s*([a-z0-9.+-]+):/gm)].map((match) => match[1]!);
}

function owningPackage(command: string): string | undefined {
  let where: string;
  try {
    where = execFileSync('bash', ['-c', `command -v ${command}`], { encoding: 'utf8' }).trim();
  } catch {
    return undefined;
  }
  // A builtin or function of bash itself: nothing to install.
  if (!where.startsWith('/')) return 'bash';
  // Bookworm merges /usr: dpkg may record /bin/sed for /usr/bin/sed, or the other way round.
  const candidates = [where, realpathSync(where), where.replace(/^\/usr/, ''), `/usr${where}`];
  for (const candidate of candidates) {
    try {
      const owner = execFileSync('dpkg-query', ['-S', candidate], {
        encoding: 'utf8',
        stdio: ['ignore', 'pipe', 'ignore'],
      });
      return owner.split(':')[0]!.trim();
    } catch {
      // not this spelling of the path; try the next
    }
  }
  return 'not from a Debian package';
}

describe('the command scanner', () => {
  it('finds commands at the start of lines, pipelines, lists and substitutions, and skips data and functions', () => {
    const found = commandsIn(
      [
        'say() { printf "%s\\n" "$*"; }',
        'say "installing docker and curl"   # words in strings are data',
        'if ! command -v debootstrap >/dev/null; then apt-get install -y x | tail -n 2; fi',
        'code=$(curl -s https://x || true) && FOO=1 sha256sum file',
        "echo 'jq in quotes' ; timeout 5 dockerd",
        'cat <<EOF',
        'wrk is in a heredoc',
        'EOF',
      ].join('\n'),
    );
    expect([...found].sort()).toEqual(['apt-get', 'cat', 'curl', 'dockerd', 'sha256sum', 'tail']);
  });
});

describe('external commands of the scripts', () => {
  const freshList = path.resolve('..', 'shared', 'machine', 'fresh-debian-packages.txt');

  it('each comes from a package a new machine has or one setup installs', () => {
    expect(existsSync(freshList), `${freshList} (the list of a new machine's packages) is missing`).toBe(true);
    const fresh = new Set(readFileSync(freshList, 'utf8').split('\n').filter(Boolean));
    const installed = new Set(setupPackages());
    expect(installed.size, 'setup declares debian_packages').toBeGreaterThan(0);
    const scripts = [...shellScripts('scripts'), '.ci/run'];
    // The project's own tooling, found on PATH once setup has run.
    const projectTools = new Set(['node', 'npm', 'npx', 'docker', 'duplicates', 'issues']);
    const problems: string[] = [];
    for (const script of scripts) {
      for (const command of commandsIn(readFileSync(script, 'utf8'))) {
        if (projectTools.has(command)) continue;
        const owner = owningPackage(command);
        if (owner === undefined)
          problems.push(`${script}: ${command} is not installed here, and setup does not install it`);
        else if (!fresh.has(owner) && !installed.has(owner)) {
          problems.push(
            `${script}: ${command} comes from ${owner}, which a new machine lacks and setup does not install`,
          );
        }
      }
    }
    expect(problems, 'add the package to debian_packages in scripts/setup.sh').toEqual([]);
  });
});
