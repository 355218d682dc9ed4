import { execFile, execFileSync } from 'node:child_process'
import { promisify } from 'node:util'

export const run = promisify(execFile)

/**
 * ffmpeg and ffprobe are real clients nobody here wrote. They come from
 * Debian's ffmpeg package, installed here when missing (CI runs as root).
 */
export function ensureFfmpeg (): void {
  try {
    execFileSync('ffmpeg', ['-version'], { stdio: 'ignore' })
    return
  } catch {}
  execFileSync('sh', ['-c', 'apt-get update -q && DEBIAN_FRONTEND=noninteractive apt-get install -y -q ffmpeg'], { stdio: 'inherit', timeout: 600_000 })
  execFileSync('ffmpeg', ['-version'], { stdio: 'ignore' })
}

const SOURCE = ['-f', 'lavfi', '-i', 'testsrc=duration=10:size=320x240:rate=25', '-f', 'lavfi', '-i', 'sine=frequency=440:duration=10', '-c:v', 'libx264', '-preset', 'ultrafast', '-g', '50', '-c:a', 'aac', '-shortest']

/** A 10 s, 250-frame H.264/AAC MP4 with its index up front, as a player expects. */
export async function makeMp4 (path: string): Promise<void> {
  await run('ffmpeg', ['-v', 'error', '-y', ...SOURCE, '-movflags', '+faststart', path])
}

/** The same video as an HLS package: a playlist and 2 s segments in `dir`. */
export async function makeHls (dir: string): Promise<void> {
  await run('ffmpeg', ['-v', 'error', '-y', ...SOURCE, '-f', 'hls', '-hls_time', '2', '-hls_playlist_type', 'vod', '-hls_segment_filename', `${dir}/segment-%03d.ts`, `${dir}/index.m3u8`])
}

/** Frames ffprobe decodes from `url`'s first video stream. */
export async function countFrames (url: string): Promise<number> {
  const { stdout } = await run('ffprobe', ['-v', 'error', '-count_frames', '-select_streams', 'v:0', '-show_entries', 'stream=nb_read_frames', '-of', 'csv=p=0', url], { timeout: 120_000 })
  // an HLS playlist lists the stream once per program: every line names the same count
  const counts = stdout.split('\n').map(line => line.trim().replace(/,$/, '')).filter(line => line !== '')
  return Number(counts[0])
}
