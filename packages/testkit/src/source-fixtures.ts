import { basename, dirname, join } from 'node:path';
import { cachedMedia, type Step } from './media.ts';

/**
 * Sources as they come from phones, cameras, meeting and screen recorders, made with ffmpeg's
 * lavfi generators: each one exercises one way real uploads go wrong (HDR, rotation, interlacing,
 * anamorphic pixels, odd sizes, variable frame rate with late and broken sound, long GOPs,
 * several audio tracks, quiet sound). Short and small, so that processing them takes seconds.
 */
export const SOURCE_FIXTURE_NAMES = [
  'hlg-hevc-rotated',
  'sdr-colour-grid',
  'interlaced-1080i',
  'anamorphic-1440x1080',
  'odd-1279x719',
  'vfr-flash-beep',
  'long-gop-30s',
  'silent-english-tone-french',
  'quiet-35-lufs',
] as const;

export type SourceFixtureName = (typeof SOURCE_FIXTURE_NAMES)[number];

/**
 * The picture of `hlg-hevc-rotated` as it must be shown: a portrait grid of 75 % colour bars, two
 * columns by four rows, in SDR BT.709 (full-range RGB values). Any wrong rotation or mirroring
 * moves a colour to another cell; any wrong tone mapping changes its value.
 */
export const COLOUR_GRID = {
  width: 360,
  height: 640,
  columns: 2,
  rows: 4,
  /** Row by row, left to right. */
  colours: [
    [191, 191, 191],
    [191, 191, 0],
    [0, 191, 191],
    [0, 191, 0],
    [191, 0, 191],
    [191, 0, 0],
    [0, 0, 191],
    [16, 16, 16],
  ] as const,
};

/** Where the centre of grid cell `n` (row by row) is, in a picture of `width` x `height`. */
export function gridCellCentre(n: number, width = COLOUR_GRID.width, height = COLOUR_GRID.height) {
  const column = n % COLOUR_GRID.columns;
  const row = Math.floor(n / COLOUR_GRID.columns);
  return {
    x: Math.round(((column + 0.5) * width) / COLOUR_GRID.columns),
    y: Math.round(((row + 0.5) * height) / COLOUR_GRID.rows),
  };
}

/**
 * The timeline of `vfr-flash-beep` (seconds): a white flash and a 1 kHz beep start together at
 * each of `flashes`; the picture runs at 30 fps, then 15 fps from `rateChange`; the sound starts
 * late, misses a stretch and ends early.
 */
export const FLASH_BEEP = {
  durationSeconds: 6,
  flashes: [1, 5],
  flashSeconds: 0.1,
  rateChange: 3,
  audioStart: 0.3,
  gap: [2.5, 3] as const,
  audioEnd: 5.6,
};

const FFMPEG = ['-nostdin', '-hide_banner', '-v', 'error', '-y'];
const x264 = (gop: number) => [
  ...['-c:v', 'libx264', '-preset', 'superfast', '-crf', '23'],
  ...['-g', String(gop), '-keyint_min', String(gop), '-sc_threshold', '0'],
];
const tone = (seconds: number, frequency = 440, level = '') =>
  `sine=frequency=${frequency}:sample_rate=48000:duration=${seconds}${level}`;
const aac = ['-c:a', 'aac', '-b:a', '128k', '-ac', '2'];

/** The colour grid, built from `color` sources (exact values), in RGB. */
function colourGridGraph(): string {
  const { width, height, columns, rows, colours } = COLOUR_GRID;
  const cell = `${width / columns}x${height / rows}`;
  const hex = (c: readonly number[]) => `0x${c.map((v) => v.toString(16).padStart(2, '0')).join('')}`;
  const sources = colours.map((c, i) => `color=${hex(c)}:s=${cell}:r=30:d=2[c${i}]`);
  const layout = colours
    .map((_, i) => {
      const { x, y } = gridCellCentre(i);
      return `${x - width / columns / 2}_${y - height / rows / 2}`;
    })
    .join('|');
  const inputs = colours.map((_, i) => `[c${i}]`).join('');
  return `${sources.join(';')};${inputs}xstack=inputs=${colours.length}:layout=${layout},format=gbrp`;
}

/** A step that writes the intermediate file `name` beside `out`. */
const beside = (out: string, name: string) => join(dirname(out), `${name}-${basename(out)}`);

const RECIPES: Record<SourceFixtureName, { ext: string; steps: (out: string) => Step[] }> = {
  // An iPhone-style clip: HEVC Main 10, HLG BT.2020, stored landscape with a display matrix that
  // turns it upright. SDR white lands at HLG 75 % (BT.2408's reference white, 203 cd/m²).
  'hlg-hevc-rotated': {
    ext: 'mp4',
    steps: (out) => {
      const stored = beside(out, 'unrotated');
      const toHlg =
        'zscale=tin=bt709:pin=bt709:min=gbr:rin=full:t=linear:p=bt709:npl=203,format=gbrpf32le,' +
        'zscale=tin=linear:pin=bt709:p=bt2020:t=arib-std-b67:m=bt2020nc:r=tv:npl=203,format=yuv420p10le';
      return [
        {
          op: 'ffmpeg',
          args: [
            ...FFMPEG,
            ...['-f', 'lavfi', '-i', tone(2)],
            // Stored turned a quarter clockwise: the display matrix below turns it back.
            ...['-filter_complex', `${colourGridGraph()},${toHlg},transpose=clock[v]`],
            ...['-map', '[v]', '-map', '0:a', '-t', '2'],
            ...['-c:v', 'libx265', '-preset', 'ultrafast', '-crf', '12'],
            ...['-x265-params', 'log-level=error', '-tag:v', 'hvc1'],
            ...['-color_primaries', 'bt2020', '-color_trc', 'arib-std-b67', '-colorspace', 'bt2020nc'],
            ...aac,
            stored,
          ],
        },
        {
          op: 'ffmpeg',
          args: [
            ...FFMPEG,
            ...['-i', stored, '-map', '0', '-c', 'copy', '-metadata:s:v:0', 'rotate=90'],
            ...['-movflags', '+faststart', out],
          ],
        },
      ];
    },
  },
  // The same grid as it would have been shot in SDR: H.264 BT.709, upright, the reference that
  // the HLG clip's tone-mapped picture is compared with.
  'sdr-colour-grid': {
    ext: 'mp4',
    steps: (out) => [
      {
        op: 'ffmpeg',
        args: [
          ...FFMPEG,
          ...['-f', 'lavfi', '-i', tone(2)],
          ...[
            '-filter_complex',
            `${colourGridGraph()},scale=out_color_matrix=bt709:out_range=tv,format=yuv420p[v]`,
          ],
          ...['-map', '[v]', '-map', '0:a', '-t', '2', ...x264(60), '-crf', '12'],
          ...['-color_primaries', 'bt709', '-color_trc', 'bt709', '-colorspace', 'bt709'],
          ...aac,
          ...['-movflags', '+faststart', out],
        ],
      },
    ],
  },
  'interlaced-1080i': {
    ext: 'mp4',
    steps: (out) => [
      {
        op: 'ffmpeg',
        args: [
          ...FFMPEG,
          // 50 fields a second woven into 25 frames, top field first, coded as interlaced.
          ...['-f', 'lavfi', '-i', 'testsrc2=size=1920x1080:rate=50:duration=2'],
          ...['-f', 'lavfi', '-i', tone(2)],
          ...['-vf', 'tinterlace=mode=interleave_top,setfield=tff,format=yuv420p'],
          ...x264(50),
          ...['-flags', '+ildct', '-field_order', 'tt'],
          ...aac,
          ...['-movflags', '+faststart', out],
        ],
      },
    ],
  },
  // HDV / DVCPRO HD: 1440 stored pixels, each 4:3 wide, shown as 1920x1080.
  'anamorphic-1440x1080': {
    ext: 'mp4',
    steps: (out) => [
      {
        op: 'ffmpeg',
        args: [
          ...FFMPEG,
          ...['-f', 'lavfi', '-i', 'testsrc2=size=1440x1080:rate=25:duration=2,setsar=4/3'],
          ...['-f', 'lavfi', '-i', tone(2)],
          ...['-pix_fmt', 'yuv420p', ...x264(50), ...aac],
          ...['-movflags', '+faststart', out],
        ],
      },
    ],
  },
  // 4:2:0 cannot have odd sizes: 4:4:4, as some screen recorders write.
  'odd-1279x719': {
    ext: 'mp4',
    steps: (out) => [
      {
        op: 'ffmpeg',
        args: [
          ...FFMPEG,
          ...['-f', 'lavfi', '-i', 'testsrc2=size=1279x719:rate=30:duration=2,format=yuv444p'],
          ...['-f', 'lavfi', '-i', tone(2)],
          ...x264(60),
          ...aac,
          ...['-movflags', '+faststart', out],
        ],
      },
    ],
  },
  // A screen recording: the frame rate drops to 15 fps half-way; the sound (PCM in Matroska, whose
  // timestamps keep holes as they are) starts 300 ms late, misses half a second and stops early.
  'vfr-flash-beep': {
    ext: 'mkv',
    steps: (out) => {
      const { durationSeconds, flashes, flashSeconds, rateChange, audioStart, gap, audioEnd } = FLASH_BEEP;
      const during = flashes.map((t) => `between(t,${t},${t + flashSeconds - 0.001})`).join('+');
      const picture =
        `color=c=black:s=640x360:r=30:d=${durationSeconds},` +
        `drawbox=x=0:y=0:w=iw:h=ih:color=white:t=fill:enable='${during}',` +
        `select='lt(t,${rateChange})+not(mod(n,2))',format=yuv420p`;
      // 10 ms frames, so every cut falls on a frame boundary.
      const sound =
        `sine=frequency=1000:sample_rate=48000:samples_per_frame=480:duration=${durationSeconds},` +
        `volume=0:enable='not(${during})',` +
        `aselect='between(t,${audioStart},${gap[0] - 0.001})+between(t,${gap[1]},${audioEnd - 0.001})'`;
      // ffmpeg starts a written stream at 0 whatever its first timestamp: the sound is written on
      // its own (its hole kept) and moved to its start when the two are put together.
      const video = beside(out, 'video');
      const audio = beside(out, 'audio');
      return [
        {
          op: 'ffmpeg',
          args: [...FFMPEG, '-f', 'lavfi', '-i', picture, '-fps_mode', 'vfr', ...x264(60), video],
        },
        {
          op: 'ffmpeg',
          args: [...FFMPEG, '-f', 'lavfi', '-i', sound, '-c:a', 'pcm_s16le', '-ac', '2', audio],
        },
        {
          op: 'ffmpeg',
          args: [
            ...FFMPEG,
            ...['-i', video, '-itsoffset', String(audioStart), '-i', audio],
            ...['-map', '0:v', '-map', '1:a', '-c', 'copy', out],
          ],
        },
      ];
    },
  },
  // A meeting recording: one keyframe, then none for 30 s.
  'long-gop-30s': {
    ext: 'mp4',
    steps: (out) => [
      {
        op: 'ffmpeg',
        args: [
          ...FFMPEG,
          ...['-f', 'lavfi', '-i', 'testsrc2=size=640x360:rate=30:duration=32'],
          ...['-f', 'lavfi', '-i', tone(32)],
          ...x264(900),
          ...aac,
          ...['-movflags', '+faststart', out],
        ],
      },
    ],
  },
  // The first track is English and silent and not marked default; the French one has the sound.
  'silent-english-tone-french': {
    ext: 'mp4',
    steps: (out) => [
      {
        op: 'ffmpeg',
        args: [
          ...FFMPEG,
          ...['-f', 'lavfi', '-i', 'testsrc2=size=320x180:rate=30:duration=3'],
          ...['-f', 'lavfi', '-i', 'anullsrc=r=48000:cl=stereo', '-f', 'lavfi', '-i', tone(3, 880)],
          ...['-map', '0:v', '-map', '1:a', '-map', '2:a', '-t', '3'],
          ...x264(60),
          ...aac,
          ...['-metadata:s:a:0', 'language=eng', '-metadata:s:a:1', 'language=fra'],
          ...['-disposition:a:0', '0', '-disposition:a:1', 'default'],
          ...['-movflags', '+faststart', out],
        ],
      },
    ],
  },
  // A 1 kHz tone at -35 LUFS integrated (EBU R128), sound only.
  'quiet-35-lufs': {
    ext: 'm4a',
    steps: (out) => [
      {
        op: 'ffmpeg',
        args: [
          ...FFMPEG,
          ...['-f', 'lavfi', '-i', tone(6, 1000, ',volume=-14dB')],
          ...aac,
          ...['-movflags', '+faststart', out],
        ],
      },
    ],
  },
};

/** The path of fixture `name`, generated on first use and cached across runs. */
export function sourceFixture(name: SourceFixtureName): Promise<string> {
  const recipe = RECIPES[name];
  return cachedMedia(name, recipe.ext, recipe.steps);
}
