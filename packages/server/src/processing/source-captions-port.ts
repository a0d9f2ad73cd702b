import type { MediaRow } from '../db/schema.ts';
import type { ToolLimits } from './tool-limits.ts';

/**
 * What processing asks of captions: tracks from the text subtitle streams of a media's source.
 * captions/source-captions.ts implements it; the composition root hands it to processing.
 */
export interface SourceCaptions {
  fromSource(
    media: Pick<MediaRow, 'tenant_id' | 'id'>,
    source: string,
    workdir: string,
    signal: AbortSignal,
    /** The demuxer processing found for the source: forced on these runs too. */
    demuxer?: string,
    /** The source's processing limits: reading a long source whole takes more than the defaults. */
    limits?: ToolLimits,
  ): Promise<void>;
}
