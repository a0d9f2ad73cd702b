// The parts of videojs's HLS and DASH parsers (m3u8-parser, mpd-parser) the tests read; they
// ship no type declarations.

declare module 'm3u8-parser' {
  export interface ByteRange {
    length: number;
    offset: number;
  }
  export interface HlsSegment {
    duration: number;
    uri: string;
    timeline: number;
    byterange?: ByteRange;
    map?: { uri: string; byterange?: ByteRange };
  }
  export interface HlsVariant {
    uri: string;
    attributes: {
      BANDWIDTH?: number;
      'AVERAGE-BANDWIDTH'?: string;
      CODECS?: string;
      RESOLUTION?: { width: number; height: number };
      'FRAME-RATE'?: number;
      AUDIO?: string;
    };
  }
  export interface HlsRendition {
    default?: boolean;
    autoselect?: boolean;
    language?: string;
    uri?: string;
  }
  export interface HlsManifest {
    version?: number;
    targetDuration?: number;
    mediaSequence?: number;
    playlistType?: string;
    endList?: boolean;
    independentSegments?: boolean;
    segments: HlsSegment[];
    playlists?: HlsVariant[];
    mediaGroups?: { AUDIO: Record<string, Record<string, HlsRendition>> };
  }
  export class Parser {
    manifest: HlsManifest;
    push(chunk: string): void;
    end(): void;
    on(event: 'warn' | 'info', listener: (event: { message: string }) => void): void;
  }
}

declare module 'mpd-parser' {
  export interface DashSegment {
    uri: string;
    resolvedUri: string;
    duration: number;
    number: number;
    presentationTime: number;
    timeline: number;
    map: { uri: string; resolvedUri: string };
  }
  export interface DashPlaylist {
    attributes: {
      NAME: string;
      BANDWIDTH: number;
      CODECS: string;
      RESOLUTION?: { width: number; height: number };
      'FRAME-RATE'?: number;
    };
    targetDuration: number;
    endList: boolean;
    segments: DashSegment[];
  }
  export interface DashManifest {
    duration: number;
    endList: boolean;
    playlists: DashPlaylist[];
    mediaGroups: {
      AUDIO: Record<
        string,
        Record<string, { language: string; default: boolean; autoselect: boolean; playlists: DashPlaylist[] }>
      >;
    };
  }
  export function parse(
    manifest: string,
    options: { manifestUri: string; eventHandler?: (event: { type: string; message: string }) => void },
  ): DashManifest;
}
