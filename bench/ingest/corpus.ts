/**
 * The reports the benchmark reads: simulated sysinfo reports zipped as the Windows agent sends them
 * (`curl -d type=zip` → one XML entry, deflated). Deterministic: fixed seeds and report instants.
 */
import { createWriteStream } from 'node:fs';
import { copyFile, mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { pipeline } from 'node:stream/promises';
import {
  generateSysinfoZip,
  makeProfile,
  profileForReportSize,
  type ProfileOptions,
} from '../../src/sim/kodeks/index.js';
import { zipEntrySizes } from './zip.js';

/** The first report instant: a Monday, 14:00 in Moscow. */
export const REPORT_AT = Date.UTC(2026, 3, 20, 11, 0, 0);
const SEED = 20_260_420;
const DAY = 86_400_000;
/** The 1 MB reports come from this many installations, one report per working day each. */
export const SMALL_INSTALLATIONS = 10;

export interface ReportFile {
  path: string;
  zipBytes: number;
  xmlBytes: number;
  utcOffsetMin: number;
  /** Which simulated installation sent it (the end-to-end run uploads it under that client name). */
  installation: number;
}

export interface ReportSet {
  label: string;
  files: ReportFile[];
  /** How many of the files have distinct content; the others are copies of these. */
  distinct: number;
  generateMs: number;
}

export interface Corpus {
  dir: string;
  sets: ReportSet[];
  /** One more 1 MB report, from no installation of the sets, to warm up threads and the HTTP path. */
  warmup: ReportFile;
  remove(): Promise<void>;
}

/** The n-th working day (Mon–Fri) from REPORT_AT, same time of day. */
function workingDay(n: number): number {
  let t = REPORT_AT;
  for (let left = n; left > 0;) {
    t += DAY;
    const dow = new Date(t).getUTCDay();
    if (dow !== 0 && dow !== 6) left -= 1;
  }
  return t;
}

async function writeReport(
  file: string,
  base: ProfileOptions,
  seed: number,
  atMs: number,
  installation: number,
): Promise<ReportFile> {
  // Same user count as the size-picked profile; the seed changes names, activity and size a little.
  const profile = makeProfile({ ...base, seed });
  await pipeline(generateSysinfoZip(profile, atMs), createWriteStream(file));
  const sizes = await zipEntrySizes(file);
  return {
    path: file,
    zipBytes: sizes.compressed,
    xmlBytes: sizes.xml,
    utcOffsetMin: profile.utcOffsetMin,
    installation,
  };
}

/**
 * `count` reports of about `targetBytes` of XML. The first `distinct` are generated: report i comes
 * from installation i mod `installations` on working day ⌊i / installations⌋, as an agent's daily
 * uploads would. The rest are copies.
 */
async function generateSet(
  dir: string,
  targetBytes: number,
  count: number,
  distinct: number,
  installations: number,
): Promise<{ set: ReportSet; base: ProfileOptions }> {
  const t0 = performance.now();
  const mb = targetBytes / 1e6;
  const base = profileForReportSize(SEED, targetBytes, REPORT_AT);
  const files: ReportFile[] = [];
  for (let i = 0; i < count; i++) {
    const file = path.join(dir, `${mb}mb-${i}.zip`);
    if (i < distinct) {
      const inst = i % installations;
      const seed = SEED + mb * 1000 + inst;
      files.push(await writeReport(file, base, seed, workingDay(Math.floor(i / installations)), inst));
    } else {
      const src = files[i % distinct]!;
      await copyFile(src.path, file);
      files.push({ ...src, path: file });
    }
  }
  const set = { label: `${mb} MB`, files, distinct, generateMs: performance.now() - t0 };
  return { set, base };
}

export async function generateCorpus(count: number, distinctLarge: number): Promise<Corpus> {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'smart-bench-ingest-'));
  try {
    const small = await generateSet(dir, 1e6, count, count, SMALL_INSTALLATIONS);
    const large = await generateSet(dir, 20e6, count, distinctLarge, distinctLarge);
    const warmup = await writeReport(path.join(dir, 'warmup.zip'), small.base, SEED - 1, REPORT_AT, -1);
    return {
      dir,
      sets: [small.set, large.set],
      warmup,
      remove: () => rm(dir, { recursive: true, force: true }),
    };
  } catch (e) {
    await rm(dir, { recursive: true, force: true });
    throw e;
  }
}

/** Only the ~1 MB daily reports (`count`, all distinct) and the warm-up report: no 20 MB set. */
export async function generateDailyReports(count: number): Promise<Corpus> {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'smart-bench-reports-'));
  try {
    const small = await generateSet(dir, 1e6, count, count, SMALL_INSTALLATIONS);
    const warmup = await writeReport(path.join(dir, 'warmup.zip'), small.base, SEED - 1, REPORT_AT, -1);
    return { dir, sets: [small.set], warmup, remove: () => rm(dir, { recursive: true, force: true }) };
  } catch (e) {
    await rm(dir, { recursive: true, force: true });
    throw e;
  }
}
