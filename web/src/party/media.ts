/** `use:stream={mediaStream}`: shows a MediaStream in a <video> or <audio> and keeps it playing. */
export function stream(el: HTMLMediaElement, ms: MediaStream | null) {
  const set = (s: MediaStream | null) => {
    if (el.srcObject !== s) el.srcObject = s;
    if (s) void el.play().catch(() => {});
  };
  set(ms);
  return {
    update: set,
    destroy: () => {
      el.srcObject = null;
    },
  };
}

const streams = new WeakMap<MediaStreamTrack, MediaStream>();
/** One MediaStream per remote track, so re-rendering never restarts a playing element. */
export function streamOf(track: MediaStreamTrack): MediaStream {
  let s = streams.get(track);
  if (!s) streams.set(track, (s = new MediaStream([track])));
  return s;
}
