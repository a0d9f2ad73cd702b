// Plays one HLS URL with hls.js in its default configuration: no custom loader, no extra
// headers, nothing but the URL. The test drives it through window.kinoHls and reads plain JSON.
/* global Hls */
'use strict';

(function () {
  const video = document.getElementById('video');
  const status = document.getElementById('status');
  let hls = null;
  let state = null;

  function freshState(src) {
    return { src, manifestParsed: false, levels: [], levelSwitches: [], errors: [], fatal: null };
  }

  function showStatus() {
    if (!state) return;
    const level = hls && hls.currentLevel >= 0 ? state.levels[hls.currentLevel] : null;
    const lines = [
      `hls.js ${Hls.version}  levels: ${state.levels.map((l) => `${l.height}p`).join(', ') || '-'}`,
      `playing: ${level ? `${level.width}x${level.height}` : '-'}  time: ${video.currentTime.toFixed(2)} s`,
      `fatal error: ${state.fatal ? `${state.fatal.details} (HTTP ${state.fatal.status})` : 'none'}`,
    ];
    status.textContent = lines.join('\n');
  }

  video.addEventListener('timeupdate', showStatus);

  window.kinoHls = {
    supported: () => Hls.isSupported(),
    // `buffer` (optional) only bounds how far ahead hls.js loads: { maxBufferLength, maxMaxBufferLength }.
    load(src, buffer) {
      if (hls) hls.destroy();
      state = freshState(src);
      hls = new Hls(buffer || {});
      hls.on(Hls.Events.MANIFEST_PARSED, (_event, data) => {
        state.manifestParsed = true;
        state.levels = data.levels.map((l) => ({
          width: l.width,
          height: l.height,
          bitrate: l.bitrate,
          videoCodec: l.videoCodec || null,
          audioCodec: l.audioCodec || null,
        }));
        showStatus();
      });
      hls.on(Hls.Events.LEVEL_SWITCHED, (_event, data) => {
        state.levelSwitches.push(data.level);
        showStatus();
      });
      hls.on(Hls.Events.ERROR, (_event, data) => {
        const error = {
          type: data.type,
          details: data.details,
          fatal: data.fatal,
          status: data.response ? data.response.code : null,
        };
        state.errors.push(error);
        if (data.fatal) state.fatal = error;
        showStatus();
      });
      hls.loadSource(src);
      hls.attachMedia(video);
    },
    play: () =>
      video.play().then(
        () => 'playing',
        (err) => String(err),
      ),
    // currentLevel switches at once (it flushes what is buffered), unlike nextLevel.
    switchTo(level) {
      hls.currentLevel = level;
    },
    state: () => ({
      ...state,
      currentLevel: hls ? hls.currentLevel : -1,
      audioTracks: hls ? hls.audioTracks.length : 0,
      // Chromium's count of audio bytes it decoded: proof that the AAC track plays, not just loads.
      audioDecodedBytes: video.webkitAudioDecodedByteCount,
      currentTime: video.currentTime,
      // Live: the wall-clock time of the frame on screen (from EXT-X-PROGRAM-DATE-TIME).
      playingDate: hls && hls.playingDate ? hls.playingDate.getTime() : null,
    }),
  };
})();
