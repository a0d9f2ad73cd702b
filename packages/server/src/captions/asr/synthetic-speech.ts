import { execFile } from 'node:child_process';

/**
 * Known text spoken by a synthetic voice into a 16 kHz mono WAV file, for the engine contract
 * suite and the word error rate bench: ffmpeg's `flite` source (voices slt, kal, awb, rms) or
 * espeak-ng. `tempo` speeds speech up or slows it down; `noiseDb` mixes in pink noise at that
 * level (dBFS) under the speech.
 */
export function speechArgs(
  text: string,
  output: string,
  options: { voice?: string; tempo?: number; noiseAmplitude?: number; leadInMs?: number } = {},
): string[] {
  const voice = options.voice ?? 'slt';
  const source = `flite=voice=${voice}:text='${text.replace(/[^A-Za-z0-9 ,.?-]/g, '')}'`;
  const chain = [
    `aresample=16000`,
    ...(options.tempo && options.tempo !== 1 ? [`atempo=${options.tempo}`] : []),
    ...(options.leadInMs ? [`adelay=${options.leadInMs}:all=1`] : []),
  ].join(',');
  const noise = options.noiseAmplitude
    ? [
        '-f',
        'lavfi',
        '-i',
        `anoisesrc=color=pink:amplitude=${options.noiseAmplitude}:sample_rate=16000:seed=7`,
      ]
    : [];
  const filter = options.noiseAmplitude
    ? `[0:a]${chain}[s];[s][1:a]amix=inputs=2:duration=first:normalize=0`
    : `[0:a]${chain}`;
  return [
    '-nostdin',
    '-v',
    'error',
    '-f',
    'lavfi',
    '-i',
    source,
    ...noise,
    '-filter_complex',
    filter,
    '-ac',
    '1',
    '-ar',
    '16000',
    '-c:a',
    'pcm_s16le',
    '-y',
    output,
  ];
}

/** espeak-ng's voice speaking text into a WAV file (wpm: words per minute). */
export function espeakArgs(text: string, output: string, wpm = 150): string[] {
  return ['-v', 'en-us', '-s', String(wpm), '-w', output, text];
}

export function run(command: string, args: string[]): Promise<void> {
  return new Promise((resolve, reject) => {
    execFile(command, args, { timeout: 120_000 }, (err, _o, stderr) => {
      if (err) reject(new Error(`${command}: ${stderr || err.message}`));
      else resolve();
    });
  });
}
