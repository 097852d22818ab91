import { posix } from 'node:path';
import type { ImageFile, ImageRecipe } from '../../../scripts/image/recipe.js';

/**
 * Reads the final stage of a Dockerfile as an ImageRecipe, so a test can compare
 * it with the one `npm run image` builds from. Understands what our Dockerfile
 * uses: FROM node:<major>-<release>-slim, ENV, WORKDIR, COPY [--from=<stage>],
 * USER, EXPOSE, ENTRYPOINT and CMD in exec form. Anything else in the final
 * stage is an error: a new instruction must be taught to the builder too.
 */
export function recipeFromDockerfile(text: string): ImageRecipe {
  const instructions = joinContinuations(text);
  const stages = splitStages(instructions);
  const final = stages.at(-1);
  if (final === undefined) throw new Error('the Dockerfile has no FROM');
  const stageWorkdirs = new Map(stages.map((stage) => [stage.name, workdirOf(stage.instructions)]));

  const base = /^node:(\d+)-(\w+)-slim$/.exec(final.image);
  if (base === null) throw new Error(`the final stage is FROM ${final.image}, not node:<major>-<release>-slim`);
  let workdir = '/';
  const env: Record<string, string> = {};
  const files: ImageFile[] = [];
  let user = '';
  const exposedPorts: number[] = [];
  let entrypoint: string[] = [];
  let cmd: string[] = [];
  for (const { keyword, rest } of final.instructions) {
    switch (keyword) {
      case 'ENV': {
        const [name, ...value] = rest.split('=');
        env[name as string] = value.join('=');
        break;
      }
      case 'WORKDIR':
        workdir = posix.resolve(workdir, rest);
        break;
      case 'COPY':
        files.push(copiedFile(rest, workdir, stageWorkdirs));
        break;
      case 'USER':
        user = rest;
        break;
      case 'EXPOSE':
        exposedPorts.push(...rest.split(/\s+/).map(Number));
        break;
      case 'ENTRYPOINT':
        entrypoint = JSON.parse(rest) as string[];
        break;
      case 'CMD':
        cmd = JSON.parse(rest) as string[];
        break;
      default:
        throw new Error(`the final stage uses ${keyword}, which the engine-free builder does not know`);
    }
  }
  return {
    nodeMajor: Number(base[1]),
    debianRelease: base[2] as string,
    workdir,
    env,
    files,
    user,
    exposedPorts,
    entrypoint,
    cmd,
  };
}

interface Instruction {
  readonly keyword: string;
  readonly rest: string;
}

interface Stage {
  readonly image: string;
  readonly name: string | undefined;
  readonly instructions: Instruction[];
}

function joinContinuations(text: string): Instruction[] {
  const logical = text
    .replace(/\\\n/g, ' ')
    .split('\n')
    .map((line) => line.trim())
    .filter((line) => line !== '' && !line.startsWith('#'));
  return logical.map((line) => {
    const [keyword = '', ...rest] = line.split(/\s+/);
    return { keyword: keyword.toUpperCase(), rest: rest.join(' ') };
  });
}

function splitStages(instructions: readonly Instruction[]): Stage[] {
  const stages: Stage[] = [];
  for (const instruction of instructions) {
    if (instruction.keyword === 'FROM') {
      const [image = '', as, name] = instruction.rest.split(/\s+/);
      stages.push({ image, name: as?.toUpperCase() === 'AS' ? name : undefined, instructions: [] });
    } else {
      stages.at(-1)?.instructions.push(instruction);
    }
  }
  return stages;
}

function workdirOf(instructions: readonly Instruction[]): string {
  return instructions
    .filter((instruction) => instruction.keyword === 'WORKDIR')
    .reduce((dir, instruction) => posix.resolve(dir, instruction.rest), '/');
}

function copiedFile(rest: string, workdir: string, stageWorkdirs: ReadonlyMap<string | undefined, string>): ImageFile {
  const words = rest.split(/\s+/);
  const fromFlag = words[0]?.startsWith('--from=') ? words.shift()?.slice('--from='.length) : undefined;
  if (words.length !== 2) throw new Error(`COPY ${rest}: one source and one destination expected`);
  const [source, destination] = words as [string, string];
  const to = posix.resolve(workdir, destination);
  if (fromFlag === undefined) return { from: 'context', path: posix.normalize(source), to };
  const stageDir = stageWorkdirs.get(fromFlag);
  if (stageDir === undefined) throw new Error(`COPY --from=${fromFlag}: no such stage`);
  return { from: 'build', path: posix.relative(stageDir, posix.resolve(stageDir, source)), to };
}
