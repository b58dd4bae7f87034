// The live network panel: RTT and the clock offset with its error bound as a chart over the last
// minute, the last synchronized start's skew, and what crossed the wire.
import type { Session } from 'netbeam'
import { SESSION_OPTIONS } from './net.js'
import { COLOR_NAMES } from './protocol.js'
import type { DemoState } from './state.js'

interface Sample {
  t: number
  rtt: number
  offset: number
  bound: number
}

const WINDOW_MS = 60_000
const SAMPLE_MS = 250

export class NetPanel {
  #samples: Sample[] = []
  #session: Session | undefined
  #lastRtt = NaN
  #timer: ReturnType<typeof setInterval> | undefined
  readonly #onRtt = (rtt: number): void => {
    this.#lastRtt = rtt
  }

  constructor(
    private readonly canvas: HTMLCanvasElement,
    private readonly stats: HTMLElement,
    private readonly state: DemoState,
  ) {
    this.#timer = setInterval(() => this.#tick(), SAMPLE_MS)
  }

  attach(session: Session): void {
    this.detach()
    this.#session = session
    this.#samples = []
    this.#lastRtt = session.clock.rttMs
    session.on('rtt', this.#onRtt)
  }

  detach(): void {
    this.#session?.off('rtt', this.#onRtt)
    this.#session = undefined
  }

  dispose(): void {
    this.detach()
    clearInterval(this.#timer)
  }

  #tick(): void {
    const session = this.#session
    if (session && !session.isClosed) {
      const { offsetMs, errorBoundMs } = session.clock
      const t = performance.now()
      this.#samples.push({ t, rtt: this.#lastRtt, offset: offsetMs, bound: errorBoundMs })
      while ((this.#samples[0]?.t ?? t) < t - WINDOW_MS) this.#samples.shift()
    }
    this.#drawChart()
    this.#renderStats()
  }

  #drawChart(): void {
    const ctx = this.canvas.getContext('2d')
    if (!ctx) return
    const ratio = window.devicePixelRatio || 1
    const w = this.canvas.clientWidth
    const h = this.canvas.clientHeight
    if (this.canvas.width !== Math.round(w * ratio)) this.canvas.width = Math.round(w * ratio)
    if (this.canvas.height !== Math.round(h * ratio)) this.canvas.height = Math.round(h * ratio)
    ctx.setTransform(ratio, 0, 0, ratio, 0, 0)
    ctx.clearRect(0, 0, w, h)
    const half = h / 2
    const now = performance.now()
    const x = (s: Sample): number => w - ((now - s.t) / WINDOW_MS) * w
    const finite = this.#samples.filter((s) => Number.isFinite(s.rtt) && Number.isFinite(s.bound))
    // Top half: RTT from 0 up.
    const rttMax = Math.max(1, ...finite.map((s) => s.rtt)) * 1.2
    const yRtt = (v: number): number => half - 4 - (v / rttMax) * (half - 18)
    this.#frame(ctx, 0, half, w, `RTT  (max ${rttMax.toFixed(2)} ms)`)
    this.#path(ctx, finite, x, (s) => yRtt(s.rtt), '#7ee0a1')
    // Bottom half: offset with its ± error bound, centred on zero.
    const span = Math.max(0.05, ...finite.map((s) => Math.abs(s.offset) + s.bound)) * 1.2
    const yOff = (v: number): number => half + half / 2 + 6 - (v / span) * (half / 2 - 12)
    this.#frame(ctx, half, h, w, `clock offset ± bound  (±${span.toFixed(3)} ms)`)
    ctx.strokeStyle = 'rgba(255,255,255,0.12)'
    ctx.beginPath()
    ctx.moveTo(0, yOff(0))
    ctx.lineTo(w, yOff(0))
    ctx.stroke()
    if (finite.length > 1) {
      ctx.beginPath()
      finite.forEach((s, i) => (i === 0 ? ctx.moveTo(x(s), yOff(s.offset + s.bound)) : ctx.lineTo(x(s), yOff(s.offset + s.bound))))
      for (const s of [...finite].reverse()) ctx.lineTo(x(s), yOff(s.offset - s.bound))
      ctx.closePath()
      ctx.fillStyle = 'rgba(79,140,255,0.25)'
      ctx.fill()
    }
    this.#path(ctx, finite, x, (s) => yOff(s.offset), '#9fc0ff')
  }

  #frame(ctx: CanvasRenderingContext2D, top: number, bottom: number, w: number, title: string): void {
    ctx.fillStyle = 'rgba(255,255,255,0.03)'
    ctx.fillRect(0, top + 1, w, bottom - top - 2)
    ctx.fillStyle = 'rgba(200,210,230,0.7)'
    ctx.font = '11px system-ui, sans-serif'
    ctx.textAlign = 'left'
    ctx.fillText(title, 6, top + 13)
  }

  #path(ctx: CanvasRenderingContext2D, samples: Sample[], x: (s: Sample) => number, y: (s: Sample) => number, color: string): void {
    if (samples.length < 2) return
    ctx.beginPath()
    samples.forEach((s, i) => (i === 0 ? ctx.moveTo(x(s), y(s)) : ctx.lineTo(x(s), y(s))))
    ctx.strokeStyle = color
    ctx.lineWidth = 1.5
    ctx.stroke()
  }

  #renderStats(): void {
    const session = this.#session
    const ms = (v: number, digits = 3): string => (Number.isFinite(v) ? `${v.toFixed(digits)} ms` : '—')
    const start = this.state.lastStart
    const clock = session ? session.clock : undefined
    const rows: [string, string][] = session && clock
      ? [
          ['RTT', `${ms(this.#lastRtt)} (best ${ms(clock.rttMs)})`],
          ['Clock offset', `${ms(clock.offsetMs)} ± ${ms(clock.errorBoundMs)}`],
          ['Role', `${session.role} (${COLOR_NAMES[this.state.me]})`],
          ['Frames', `${session.stats.framesSent} sent · ${session.stats.framesReceived} received`],
          ['Bytes', `${kib(session.stats.bytesSent)} sent · ${kib(session.stats.bytesReceived)} received`],
          ['Positions', `${this.state.moves.sent} sent · ${this.state.moves.received} received`],
        ]
      : [['Session', 'none yet']]
    rows.push([
      'Last start skew',
      start
        ? `${ms(start.skewMs)} ± ${ms(start.errorBoundMs)} (round ${start.round}: Blue late ${ms(start.lateMs.blue)}, Amber ${ms(start.lateMs.amber)})`
        : 'no round started yet',
    ])
    rows.push(['Heartbeat bound', `${SESSION_OPTIONS.timeoutMs / 1000} s (ping every ${SESSION_OPTIONS.heartbeatMs} ms)`])
    // Rebuild only when the rows change; otherwise update the changed texts in place.
    if (this.stats.children.length !== rows.length * 2) {
      this.stats.replaceChildren(...rows.flatMap(() => [document.createElement('dt'), document.createElement('dd')]))
    }
    rows.flat().forEach((text, i) => {
      const cell = this.stats.children[i]
      if (cell && cell.textContent !== text) cell.textContent = text
    })
  }
}

function kib(bytes: number): string {
  return bytes < 10_240 ? `${bytes} B` : `${(bytes / 1024).toFixed(1)} KiB`
}
