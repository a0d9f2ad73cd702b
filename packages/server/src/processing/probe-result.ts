/** What Kino knows about a source after ffprobe: the facts every later decision is made from. */
export interface VideoStreamInfo {
  index: number;
  codec: string;
  profile: string | null;
  pixelFormat: string;
  bitDepth: number;
  /** Chroma subsampling: '420', '422', '444', or null when unknown. */
  chroma: string | null;
  /** Coded size, before rotation. */
  width: number;
  height: number;
  /** Display rotation in degrees clockwise: 0, 90, 180 or 270. */
  rotation: number;
  /** Size as shown, after rotation and pixel aspect. */
  displayWidth: number;
  displayHeight: number;
  /** Nominal frame rate (frames per second), or null when ffprobe could not tell. */
  frameRate: number | null;
  averageFrameRate: number | null;
  variableFrameRate: boolean;
  interlaced: boolean;
  sampleAspectRatio: number;
  colorTransfer: string | null;
  colorPrimaries: string | null;
  colorSpace: string | null;
  level: number | null;
  bitrate: number | null;
  /** When the stream's first frame is shown (seconds, the container's clock), or null if unknown. */
  startTime: number | null;
  /** Brightest light the stream was mastered for (cd/m², from its HDR metadata), or null. */
  peakLuminance: number | null;
  /**
   * Whether its pictures carry CEA-608 closed captions (A/53 caption data in SEI or user data).
   * ffprobe knows only after decoding frames: see closed-captions.ts, which readSource runs.
   */
  closedCaptions: boolean;
}

export interface AudioStreamInfo {
  index: number;
  codec: string;
  profile: string | null;
  channels: number;
  sampleRate: number;
  language: string | null;
  /** The track's own title (e.g. "Commentary"), or null. */
  title: string | null;
  isDefault: boolean;
  bitrate: number | null;
  /** When the track's first sample plays (seconds, the container's clock), or null if unknown. */
  startTime: number | null;
  /** How long the track plays (seconds), or null if unknown. */
  durationSeconds: number | null;
}

export interface ProbeResult {
  formatName: string;
  durationSeconds: number;
  /**
   * The container's start (seconds): ffmpeg moves every stream back by it, so the outputs of a
   * run start at the earliest stream. Null when unknown (taken as 0).
   */
  startTime: number | null;
  sizeBytes: number | null;
  bitrate: number | null;
  video: VideoStreamInfo | null;
  audio: AudioStreamInfo[];
  /** The stream index of an attached picture (cover art), or null. */
  coverArtIndex: number | null;
  /** Whether the file has a closed-caption track of its own (QuickTime `c608`, codec eia_608). */
  eia608Track: boolean;
}
