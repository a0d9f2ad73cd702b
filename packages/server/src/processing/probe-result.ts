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
}

export interface AudioStreamInfo {
  index: number;
  codec: string;
  profile: string | null;
  channels: number;
  sampleRate: number;
  language: string | null;
  isDefault: boolean;
  bitrate: number | null;
}

export interface ProbeResult {
  formatName: string;
  durationSeconds: number;
  sizeBytes: number | null;
  bitrate: number | null;
  video: VideoStreamInfo | null;
  audio: AudioStreamInfo[];
}
