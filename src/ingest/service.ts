import type { Config } from '../config/index.js';
import type { AppContext } from '../context.js';
import { ReportProcessor, type ProcessorOptions, type ReportParser } from './processor.js';
import { Spool } from './spool.js';

/** What the upload routes and the scheduler share: this node's spool and its processor. */
export interface Ingest {
  spool: Spool;
  processor: ReportProcessor;
  nodeId: string;
  maxUploadBytes: number;
  close(): Promise<void>;
}

export interface IngestOptions {
  parse: ReportParser;
  /** Called when the parser pool should be released (after the processor has stopped). */
  closeParser?: () => Promise<void>;
  processor?: Partial<Omit<ProcessorOptions, 'nodeId' | 'parse'>>;
}

export function createIngest(ctx: AppContext, config: Config, opts: IngestOptions): Ingest {
  const spool = new Spool(config.spoolDir);
  const processor = new ReportProcessor(ctx, {
    nodeId: config.nodeId,
    parse: opts.parse,
    keepRawFiles: config.keepRawReports,
    removeFile: (p) => spool.remove(p),
    ...opts.processor,
  });
  return {
    spool,
    processor,
    nodeId: config.nodeId,
    maxUploadBytes: config.maxUploadBytes,
    close: async () => {
      await processor.stop();
      await opts.closeParser?.();
    },
  };
}
